using System.Collections.Frozen;
using System.Text;
using Candor.Core.Transparency;
using Candor.Transparency.Merkle;
using Candor.Transparency.Notes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Candor.Transparency.Log;

/// <summary>The transparency log: an RFC 6962 Merkle tree stored as c2sp.org/tlog-tiles files in its own directory,
/// with signed checkpoints (c2sp.org/tlog-checkpoint, Ed25519 signed notes).</summary>
/// <remarks>
/// <para>An append is durable when <see cref="AppendAsync"/> completes: it is in <c>entries.journal</c>, flushed to
/// disk (<see cref="EntryJournal"/>). The sequencer integrates journaled entries in batches every quarter of
/// <see cref="MaxMergeDelay"/>: it writes the tiles and entry bundles that changed (each file atomically and
/// durably), then the new signed <c>checkpoint</c> (the commit point), then publishes the new state.</para>
/// <para>Tiles beyond the stored checkpoint are a deterministic function of the journal, so a crash at any point
/// leaves nothing inconsistent: on open the stored tree is checked against the stored checkpoint (its root is
/// recomputed from the tiles and the rightmost level-0 hashes are compared with the journal), and journaled
/// entries the checkpoint does not cover are integrated before the log serves. Two checkpoints it signs are
/// therefore always consistent.</para>
/// </remarks>
public sealed class TileLog : IPublishedLog, IAsyncDisposable
{
    /// <summary>The checkpoint file in the log directory (also served at <c>/log/checkpoint</c>).</summary>
    public const string CheckpointFile = "checkpoint";

    /// <summary>The signing key file in the log directory (owner-only).</summary>
    public const string KeyFile = "signing.key";

    private readonly string _directory;
    private readonly NoteSigner _signer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TileReader _tiles;
    private readonly SemaphoreSlim _integrating = new(1, 1);
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private readonly Lock _pendingLock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly string? _anchorFile;
    private readonly TimeSpan _auditInterval;
    private List<JournalRecord> _pending = [];
    private long? _integratingSince;
    private FrozenSet<string> _damaged = FrozenSet<string>.Empty;
    private Task? _auditor;
    private List<byte[]> _bundle;
    private LogState _state;
    private EntryJournal? _journal;
    private Task? _sequencer;

    private TileLog(TransparencyLogOptions options, NoteSigner signer, ILogger logger, LogState state, List<byte[]> bundle)
    {
        _directory = options.Directory;
        _anchorFile = options.AnchorFile;
        _auditInterval = options.AuditInterval;
        Origin = options.Origin;
        MaxMergeDelay = options.MaxMergeDelay;
        _time = options.Time;
        _signer = signer;
        _logger = logger;
        _tiles = new TileReader(_directory);
        _state = state;
        _bundle = bundle;
    }

    /// <inheritdoc />
    public TimeSpan MaxMergeDelay { get; }

    /// <inheritdoc />
    public string Origin { get; }

    /// <summary>The log's public key as a signed-note verifier key string (<c>name+id+base64</c>), for
    /// <c>/.well-known/candor</c> and for verifiers.</summary>
    public string VerifierKey => _signer.VerifierKey;

    /// <summary>The size covered by the latest published checkpoint.</summary>
    public long Size => Volatile.Read(ref _state).Size;

    /// <summary>The latest signed checkpoint, as served.</summary>
    public byte[] Checkpoint => Volatile.Read(ref _state).Checkpoint;

    /// <summary>The leaf hash at <paramref name="index"/> of the latest published tree, as its tiles hold it.</summary>
    public byte[] LeafHash(long index)
    {
        var state = Volatile.Read(ref _state);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, state.Size);
        byte[] hash = new byte[TreeHash.Size];
        state.ReadNode(0, index, hash);
        return hash;
    }

    /// <summary>The number of durably appended entries (integrated or not).</summary>
    public long AppendedCount => _journal?.Count ?? 0;

    /// <summary>Whether the journal failed a write: appends are refused until the process restarts (readiness,
    /// docs/operations.md).</summary>
    public bool AppendsRefused => _journal?.Failed ?? false;

    /// <summary>Opens (or creates) the log in <see cref="TransparencyLogOptions.Directory"/>, checks the stored tree
    /// against the stored checkpoint, integrates journaled entries the checkpoint does not cover, and starts the
    /// sequencer.</summary>
    /// <exception cref="InvalidDataException">The stored log does not match its checkpoint, or belongs to another
    /// origin or key; the log refuses to run rather than sign an inconsistent checkpoint.</exception>
    public static async Task<TileLog> OpenAsync(TransparencyLogOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(options.Origin) || options.Origin.Any(char.IsControl))
        {
            throw new ArgumentException("The log origin must be a non-empty single line.", nameof(options));
        }

        if (options.MaxMergeDelay <= TimeSpan.Zero)
        {
            throw new ArgumentException("The maximum merge delay must be positive.", nameof(options));
        }

        string directory = Path.GetFullPath(options.Directory);
        CreateOwnerOnly(directory);
        var signer = LoadSigner(directory, options);
        var tiles = new TileReader(directory);
        try
        {
            // The stored checkpoint, if any: its signature, origin and root must match what is on disk.
            long size = 0;
            byte[]? storedRoot = null;
            byte[]? storedCheckpoint = null;
            string checkpointPath = Path.Combine(directory, CheckpointFile);
            var verifier = NoteVerifier.Parse(signer.VerifierKey);
            if (File.Exists(checkpointPath))
            {
                storedCheckpoint = await File.ReadAllBytesAsync(checkpointPath, cancellationToken).ConfigureAwait(false);
                if (!verifier.TryVerify(storedCheckpoint, out string text, out string error) || !Notes.Checkpoint.TryParse(text, out var parsed, out error))
                {
                    throw new InvalidDataException($"{checkpointPath} is not a checkpoint signed by this log's key ({error}).");
                }

                if (parsed!.Origin != options.Origin)
                {
                    throw new InvalidDataException($"The log in {directory} has origin '{parsed.Origin}', not the configured '{options.Origin}'. Changing the origin starts a new log: move the old directory away, or set server.log_origin back.");
                }

                size = parsed.Size;
                storedRoot = parsed.Root;
            }

            var edges = ReadEdges(directory, size);
            var state = new LogState(size, edges, tiles);
            if (storedRoot is not null && !state.Root.AsSpan().SequenceEqual(storedRoot))
            {
                throw new InvalidDataException($"The tiles in {directory} do not hash to the root of the stored checkpoint (size {size}); the log will not sign over a tree it cannot prove.");
            }

            // Not behind or beside the last checkpoint it signed, and every file as served holds the signed tree.
            string? anchorFile = options.AnchorFile is null ? null : Path.GetFullPath(options.AnchorFile);
            if (anchorFile is not null)
            {
                CheckpointAnchor.Check(anchorFile, verifier, options.Origin, state, directory);
            }

            var audit = new TreeAudit(directory);
            var problems = audit.CheckFull(size, cancellationToken);
            if (problems.Count == 0)
            {
                problems = audit.CheckEdges(state);
            }

            if (problems.Count > 0)
            {
                throw new InvalidDataException($"The files of the log in {directory} do not hold the tree its checkpoint signed ({string.Join("; ", problems)}); a verifier fetching them would fail. Restore them from a backup: full tiles and bundles never change once written.");
            }

            // The journal: everything from the start of the rightmost entry bundle on is kept in memory.
            int w0 = LogState.PartialWidth(size, 0);
            string journalPath = Path.Combine(directory, EntryJournal.FileName);
            var (kept, count, length) = EntryJournal.Recover(journalPath, size - w0, options.Time.GetTimestamp());
            if (count < size || kept.Count < w0)
            {
                throw new InvalidDataException($"{journalPath} holds {count} entries, fewer than the checkpoint's {size}.");
            }

            byte[] edge0 = state.Edge(0);
            for (int i = 0; i < w0; i++)
            {
                if (!kept[i].LeafHash.AsSpan().SequenceEqual(edge0.AsSpan(i * TreeHash.Size, TreeHash.Size)))
                {
                    throw new InvalidDataException($"Journal entry {kept[i].Index} does not match the level-0 tile.");
                }
            }

            var bundle = kept.Take(w0).Select(static r => r.Data).ToList();
            var log = new TileLog(new TransparencyLogOptions { Directory = directory, Origin = options.Origin, MaxMergeDelay = options.MaxMergeDelay, Time = options.Time, AnchorFile = anchorFile, AuditInterval = options.AuditInterval }, signer, logger ?? NullLogger.Instance, state, bundle);
            state.Checkpoint = storedCheckpoint ?? [];
            log._pending = kept.Skip(w0).ToList();
            int recovered = log._pending.Count;
            if (storedCheckpoint is null || recovered > 0)
            {
                await log.IntegrateAsync(cancellationToken).ConfigureAwait(false);
            }

            // A first start with an anchor file, or a crash between the checkpoint and its copy: the copy catches up.
            if (anchorFile is not null && (!File.Exists(anchorFile) || !File.ReadAllBytes(anchorFile).AsSpan().SequenceEqual(log.Checkpoint)))
            {
                DurableFiles.Write(anchorFile, log.Checkpoint);
            }

            log._journal = EntryJournal.Open(journalPath, length, count, options.Time, log.OnDurable);
            log._sequencer = Task.Run(log.SequenceLoopAsync, CancellationToken.None);
            if (log._auditInterval > TimeSpan.Zero)
            {
                log._auditor = Task.Run(log.AuditLoopAsync, CancellationToken.None);
            }

            log._logger.LogOpened(options.Origin, log.Size, recovered);
            return log;
        }
        catch
        {
            signer.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask<long> AppendAsync(ReadOnlyMemory<byte> entry, CancellationToken cancellationToken)
    {
        if (entry.Length > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), "A log entry holds at most 65535 bytes (tlog-tiles entry bundles use 16-bit lengths).");
        }

        var journal = _journal ?? throw new ObjectDisposedException(nameof(TileLog));
        byte[] data = entry.ToArray();
        var task = journal.AppendAsync(data, TreeHash.Leaf(data));
        return new ValueTask<long>(cancellationToken.CanBeCanceled ? task.WaitAsync(cancellationToken) : task);
    }

    /// <summary>How long the oldest durable entry not yet covered by a checkpoint has waited (zero when none waits):
    /// far beyond <see cref="MaxMergeDelay"/>, checkpoints are failing (readiness, docs/operations.md).</summary>
    public TimeSpan MergeBacklog
    {
        get
        {
            lock (_pendingLock)
            {
                // The batch being integrated holds the oldest entries: while it is out of _pending, it still waits.
                long? oldest = _integratingSince;
                if (oldest is null && _pending.Count > 0)
                {
                    oldest = _pending[0].DurableTimestamp;
                }

                return oldest is { } since ? _time.GetElapsedTime(since) : TimeSpan.Zero;
            }
        }
    }

    /// <summary>Integrates every entry already durable and publishes a checkpoint covering it (tests, shutdown).</summary>
    public Task FlushAsync(CancellationToken cancellationToken) => IntegrateAsync(cancellationToken);

    /// <summary>The inclusion proof of leaf <paramref name="index"/> under the latest checkpoint, with that checkpoint.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The leaf is not (yet) covered by the checkpoint.</exception>
    public (List<byte[]> Proof, byte[] Checkpoint, long Size) InclusionProof(long index)
    {
        var state = Volatile.Read(ref _state);
        return (MerkleProofs.Inclusion(state, index, state.Size), state.Checkpoint, state.Size);
    }

    /// <summary>The inclusion proof of leaf <paramref name="index"/> in the tree of <paramref name="size"/> leaves
    /// (at most the latest checkpoint's size), with that tree's root.</summary>
    public (List<byte[]> Proof, byte[] Root) InclusionProof(long index, long size)
    {
        var state = Volatile.Read(ref _state);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, state.Size);
        return (MerkleProofs.Inclusion(state, index, size), MerkleProofs.Root(state, size));
    }

    /// <summary>The consistency proof between the trees of <paramref name="oldSize"/> and <paramref name="newSize"/>
    /// leaves (both at most the latest checkpoint's size), with their roots.</summary>
    public (List<byte[]> Proof, byte[] OldRoot, byte[] NewRoot) ConsistencyProof(long oldSize, long newSize)
    {
        var state = Volatile.Read(ref _state);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(newSize, state.Size);
        return (MerkleProofs.Consistency(state, oldSize, newSize), MerkleProofs.Root(state, oldSize), MerkleProofs.Root(state, newSize));
    }

    /// <summary>True when the last check of the tree (<see cref="AuditAsync"/>) found <paramref name="relativePath"/>
    /// (<c>tile/…</c>) not holding what the signed tree needs: it is not served until a check finds it whole again.</summary>
    public bool IsDamaged(string relativePath) => Volatile.Read(ref _damaged).Contains(relativePath);

    /// <summary>Checks the whole tree as stored now — every full tile at every level against the level below, every
    /// entry bundle against its level-0 tile, the partial files against the published state — and returns the
    /// problems (empty when every file holds). Damaged files are logged (event 2500) and refused by
    /// <see cref="IsDamaged"/>. Runs every <see cref="TransparencyLogOptions.AuditInterval"/> in the background.</summary>
    public async Task<IReadOnlyList<string>> AuditAsync(CancellationToken cancellationToken)
    {
        // Full tiles and bundles never change once written: most of the pass runs beside the sequencer; the newest
        // full files and the partial ones are checked under the integration lock, against the state published then.
        var audit = new TreeAudit(_directory);
        var problems = audit.CheckFull(Size, cancellationToken);
        if (problems.Count == 0)
        {
            await _integrating.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var state = Volatile.Read(ref _state);
                problems = audit.CheckFull(state.Size, cancellationToken);
                if (problems.Count == 0)
                {
                    problems = audit.CheckEdges(state);
                }
            }
            finally
            {
                _integrating.Release();
            }
        }

        bool wasDamaged = Volatile.Read(ref _damaged).Count > 0;
        Volatile.Write(ref _damaged, problems.Select(static p => p.Path).ToFrozenSet(StringComparer.Ordinal));
        foreach (var problem in problems)
        {
            _logger.TreeDamaged(problem.Path, problem.What);
        }

        if (wasDamaged && problems.Count == 0)
        {
            _logger.TreeWhole(Size);
        }

        return [.. problems.Select(static p => p.ToString())];
    }

    /// <summary>The full path of a tlog-tiles resource (<c>tile/…</c>) if it exists, else null.</summary>
    public string? ResourceFile(string relativePath)
    {
        if (!TilePaths.TryParse(relativePath, out _, out _, out _))
        {
            return null;
        }

        string path = Path.Combine(_directory, relativePath);
        return File.Exists(path) ? path : null;
    }

    /// <inheritdoc />
    public async ValueTask<byte[]?> ReadResourceAsync(string relativePath, CancellationToken cancellationToken)
    {
        if (ResourceFile(relativePath) is not { } file)
        {
            return null;
        }

        try
        {
            return await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            // A partial tile dropped after its full tile was written.
            return null;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_journal is { } journal)
        {
            await journal.DisposeAsync().ConfigureAwait(false);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_sequencer is { } sequencer)
        {
            await sequencer.ConfigureAwait(false);
        }

        if (_auditor is { } auditor)
        {
            await auditor.ConfigureAwait(false);
        }

        try
        {
            await IntegrateAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            _logger.IntegrationFailed(e.Message, _pending.Count);
        }

        _signer.Dispose();
        _stop.Dispose();
    }

    private void OnDurable(IReadOnlyList<JournalRecord> records)
    {
        lock (_pendingLock)
        {
            _pending.AddRange(records);
        }

        _signal.Release();
    }

    private async Task SequenceLoopAsync()
    {
        var window = MaxMergeDelay / 4;
        try
        {
            while (true)
            {
                await _signal.WaitAsync(_stop.Token).ConfigureAwait(false);
                await Task.Delay(window, _time, _stop.Token).ConfigureAwait(false);
                try
                {
                    await IntegrateAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    _logger.IntegrationFailed(e.Message, _pending.Count);
                    _signal.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping; DisposeAsync integrates what is left.
        }
    }

    private async Task AuditLoopAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(_auditInterval, _time, _stop.Token).ConfigureAwait(false);
                try
                {
                    await AuditAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    _logger.AuditFailed(e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task IntegrateAsync(CancellationToken cancellationToken)
    {
        await _integrating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<JournalRecord> batch;
            lock (_pendingLock)
            {
                batch = _pending;
                _pending = [];
                _integratingSince = batch.Count == 0 ? null : batch[0].DurableTimestamp;
            }

            try
            {
                Integrate(batch);
            }
            catch
            {
                lock (_pendingLock)
                {
                    batch.AddRange(_pending);
                    _pending = batch;
                    _integratingSince = null;
                }

                throw;
            }

            lock (_pendingLock)
            {
                _integratingSince = null;
            }
        }
        finally
        {
            _integrating.Release();
        }
    }

    /// <summary>Adds <paramref name="batch"/> to the tree: writes the tiles and bundles it changes, then the signed
    /// checkpoint, then publishes the new state. Nothing in memory changes unless the checkpoint was written.</summary>
    private void Integrate(List<JournalRecord> batch)
    {
        var old = Volatile.Read(ref _state);
        if (batch.Count == 0 && old.Checkpoint.Length > 0)
        {
            return;
        }

        if (batch.Count > 0 && batch[0].Index != old.Size)
        {
            throw new InvalidDataException($"journal entry {batch[0].Index} arrived for integration at tree size {old.Size}");
        }

        var built = TileBatch.Build(old, _bundle, [.. batch.Select(static r => (r.LeafHash, r.Data))]);
        var (files, fullTiles, bundle) = (built.Files, built.FullTiles, built.Bundle);
        long size = built.Size;
        var newEdges = built.Edges;
        var dirty = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, data) in files)
        {
            string full = Path.Combine(_directory, path);
            if (!File.Exists(full) || new FileInfo(full).Length != data.Length)
            {
                DurableFiles.Write(full, data, dirty);
            }
        }

        foreach (string directory in dirty)
        {
            DurableFiles.SyncDirectory(directory);
        }

        foreach (var (level, index, data) in fullTiles)
        {
            _tiles.Remember(level, index, data);
        }

        var state = new LogState(size, newEdges, _tiles, old);
        state.Checkpoint = _signer.Sign(new Checkpoint(Origin, size, state.Root).ToText());
        DurableFiles.Write(Path.Combine(_directory, CheckpointFile), state.Checkpoint);
        if (_anchorFile is not null)
        {
            // After the checkpoint: the copy is never ahead of the log, and at most one integration behind.
            DurableFiles.Write(_anchorFile, state.Checkpoint);
        }

        // Committed: publish, then drop partial tiles that full ones replaced.
        _bundle = bundle;
        Volatile.Write(ref _state, state);
        foreach (var (level, index, _) in fullTiles)
        {
            DeletePartials(TilePaths.Tile(level, index, TilePaths.Width));
        }

        if (size / TilePaths.Width > old.Size / TilePaths.Width)
        {
            for (long index = old.Size / TilePaths.Width; index < size / TilePaths.Width; index++)
            {
                DeletePartials(TilePaths.Entries(index, TilePaths.Width));
            }
        }

        if (batch.Count > 0)
        {
            var delay = _time.GetElapsedTime(batch[0].DurableTimestamp);
            Core.CandorMetrics.CheckpointMerged(delay);
            long waited = (long)delay.TotalMilliseconds;
            if (waited > MaxMergeDelay.TotalMilliseconds)
            {
                _logger.MergeDelayExceeded(waited, (long)MaxMergeDelay.TotalMilliseconds);
            }
        }

        _logger.CheckpointPublished(size, batch.Count);
    }

    private void DeletePartials(string fullPath)
    {
        string partials = Path.Combine(_directory, fullPath + ".p");
        try
        {
            if (Directory.Exists(partials))
            {
                Directory.Delete(partials, recursive: true);
            }
        }
        catch (IOException)
        {
            // Partial tiles past their full tile are optional to keep; a later run may remove them.
        }
    }

    /// <summary>The partial tile of every level of a tree of <paramref name="size"/> leaves stored in
    /// <paramref name="directory"/> (the log's own, or a monitor's download).</summary>
    /// <exception cref="InvalidDataException">A partial tile is missing or has the wrong length.</exception>
    internal static byte[][] ReadEdges(string directory, long size)
    {
        var edges = new List<byte[]>();
        for (int level = 0; LogState.PartialWidth(size, level) > 0 || LogState.FullTiles(size, level) > 0; level++)
        {
            int width = LogState.PartialWidth(size, level);
            if (width == 0)
            {
                edges.Add([]);
                continue;
            }

            string path = Path.Combine(directory, TilePaths.Tile(level, LogState.FullTiles(size, level), width));
            byte[] tile = File.Exists(path) ? File.ReadAllBytes(path) : [];
            if (tile.Length != width * TreeHash.Size)
            {
                throw new InvalidDataException($"The transparency log is missing its partial tile {path} for the stored checkpoint.");
            }

            edges.Add(tile);
        }

        return [.. edges];
    }

    /// <summary>The log's signing key: <see cref="TransparencyLogOptions.SigningKey"/>, else <see cref="KeyFile"/> in
    /// <paramref name="directory"/>, else a new key written there.</summary>
    internal static NoteSigner LoadSigner(string directory, TransparencyLogOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.SigningKey))
        {
            try
            {
                return NoteSigner.Parse(options.SigningKey);
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"{TransparencyLogOptions.SigningKeyVariable}: {e.Message}.", e);
            }
        }

        string path = Path.Combine(directory, KeyFile);
        if (File.Exists(path))
        {
            try
            {
                return NoteSigner.Parse(File.ReadAllText(path, Encoding.ASCII));
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"{path}: {e.Message}.", e);
            }
        }

        var signer = NoteSigner.Generate(options.Origin, out string privateKey);
        DurableFiles.Write(path, Encoding.ASCII.GetBytes(privateKey + "\n"));
        return signer;
    }

    private static void CreateOwnerOnly(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
