using Candor.Storage;

namespace Candor.UnitTests.Storage;

/// <summary>The data directory's node id (docs/scale-out.md, "Node ids"): kept across starts with the instance that last
/// held it, owner-only, locked while a process runs, and not the same node once the directory is copied elsewhere.</summary>
public sealed class NodeIdFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("candor-nodeid-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void RecordedId_IsTheNextStartsId_WithTheInstanceThatHeldIt()
    {
        string data = Path.Combine(_root, "data");
        string id;
        using (var first = NodeIdFile.Open(data)!)
        {
            Assert.StartsWith("node_", first.NodeId, StringComparison.Ordinal);
            Assert.Null(first.PreviousInstance);
            id = first.NodeId;
            first.Record(id, "instance-1");
        }

        using var second = NodeIdFile.Open(data)!;
        Assert.Equal(id, second.NodeId);
        Assert.Equal("instance-1", second.PreviousInstance);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, NodeIdFile.Folder, "id")));
        }
    }

    [Fact]
    public void SecondProcessOnTheSameDirectory_GetsNoHold_UntilTheFirstEnds()
    {
        string data = Path.Combine(_root, "data");
        var first = NodeIdFile.Open(data)!;
        first.Record(first.NodeId, "instance-1");
        Assert.Null(NodeIdFile.Open(data));
        first.Dispose();
        using var next = NodeIdFile.Open(data);
        Assert.NotNull(next);
        Assert.Equal("instance-1", next.PreviousInstance);
    }

    [Fact]
    public void CopiedDirectory_IsAnotherNode()
    {
        string data = Path.Combine(_root, "data");
        string id;
        using (var original = NodeIdFile.Open(data)!)
        {
            id = original.NodeId;
            original.Record(id, "instance-1");
        }

        string copy = Path.Combine(_root, "copy");
        Directory.CreateDirectory(Path.Combine(copy, NodeIdFile.Folder));
        File.Copy(Path.Combine(data, NodeIdFile.Folder, "id"), Path.Combine(copy, NodeIdFile.Folder, "id"));
        using var copied = NodeIdFile.Open(copy)!;
        Assert.NotEqual(id, copied.NodeId);
        Assert.Null(copied.PreviousInstance);
    }
}
