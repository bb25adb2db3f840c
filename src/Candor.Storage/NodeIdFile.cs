using System.Text;

namespace Candor.Storage;

/// <summary>A node's persistent id on a shared store (docs/scale-out.md, "Node ids"): <c>node/id</c> in the data
/// directory, owner-only like the other secrets, holding the id, where it was written (host and data directory: a copy of
/// the directory elsewhere is not the same node) and the process instance that last claimed it. While a server runs it
/// holds <c>node/lock</c> exclusively, so a second process on the same directory is told, and the previous process that
/// ran from the directory is known to be dead: its lease can be taken back at once (<see cref="RelationalStore.TryClaimNodeAsync"/>).
/// The lease row still decides: a claim fails while another live process holds the id, and that process never
/// renews or removes a row it no longer holds.</summary>
internal sealed class NodeIdFile : IDisposable
{
    /// <summary>The folder in the data directory (outside its top level, whose files every node shares).</summary>
    public const string Folder = "node";

    private readonly FileStream _lock;
    private readonly string _path;
    private readonly string _location;

    private NodeIdFile(FileStream held, string path, string location, string nodeId, string? previousInstance)
    {
        _lock = held;
        _path = path;
        _location = location;
        NodeId = nodeId;
        PreviousInstance = previousInstance;
    }

    /// <summary>The id to claim: the directory's, or a new one when there is none yet or the file was written elsewhere.</summary>
    public string NodeId { get; private set; }

    /// <summary>The process that last claimed <see cref="NodeId"/> from this directory (null for a new id).</summary>
    public string? PreviousInstance { get; private set; }

    /// <summary>Opens the directory's node id and locks it for this process; null when another running process holds it
    /// (this process then runs under a new id of its own and leaves the file alone).</summary>
    public static NodeIdFile? Open(string dataDirectory)
    {
        string folder = Path.Combine(DataDirectory.Ensure(dataDirectory), Folder);
        Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        FileStream held;
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            held = new FileStream(Path.Combine(folder, "lock"), options);
        }
        catch (IOException)
        {
            return null;
        }

        string path = Path.Combine(folder, "id");
        string location = $"{Environment.MachineName} {Path.GetFullPath(dataDirectory)}";
        string[] lines = File.Exists(path) ? File.ReadAllLines(path) : [];

        // id, location, instance; a file written for another host or directory is a copy: this node is another node.
        bool ours = lines.Length == 3 && lines[0].StartsWith("node_", StringComparison.Ordinal) && string.Equals(lines[1], location, StringComparison.Ordinal);
        return ours
            ? new NodeIdFile(held, path, location, lines[0], lines[2].Length == 0 ? null : lines[2])
            : new NodeIdFile(held, path, location, NewId(), null);
    }

    /// <summary>Gives up the directory's id (another live process holds it): a new one is claimed instead.</summary>
    public void Renew()
    {
        NodeId = NewId();
        PreviousInstance = null;
    }

    /// <summary>Records that <paramref name="instance"/> (this process) holds <paramref name="nodeId"/>, before anything
    /// is admitted under it.</summary>
    public void Record(string nodeId, string instance)
    {
        NodeId = nodeId;
        OwnerOnlyFile.Write(_path, Encoding.UTF8.GetBytes($"{nodeId}\n{_location}\n{instance}\n"), overwrite: true);
    }

    /// <summary>Releases the directory's lock (the id stays in the file for the next start).</summary>
    public void Dispose() => _lock.Dispose();

    private static string NewId() => Core.Accounts.EntityIds.New("node");
}
