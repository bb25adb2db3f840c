using System.Collections.Concurrent;
using System.Data;
using System.Globalization;
using System.Text;
using Candor.Core.Receipts;
using Candor.Transparency.Log;
using Candor.Transparency.Merkle;
using Candor.Transparency.Notes;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NoteCheckpoint = Candor.Transparency.Notes.Checkpoint;

namespace Candor.Server.Transparency;

/// <summary>The platform's one transparency log, shared by every node of a PostgreSQL installation
/// (docs/transparency.md, "One log for several nodes"). The database holds the whole log: the published size and
/// signed checkpoint (<c>log_head</c>), the tiles and entry bundles (<c>log_tiles</c>), and the queue — the receipts
/// table itself (rows without a leaf index) plus <c>log_queue</c> for other entries.</summary>
/// <remarks>
/// <para>One node at a time is the sequencer: the one holding a session-level advisory lock on a dedicated
/// connection. A sequencer's pass is one transaction: lock the head row, take the queued receipts in order, write the
/// tiles, give each receipt its leaf index, sign and store the new checkpoint, move the head from the size it built
/// on. When the sequencer dies (even kill -9) its connection closes, PostgreSQL releases the lock and rolls back a
/// pass in flight, and another node takes the lock within <see cref="FollowInterval"/>: nothing is lost (a receipt
/// is queued from the moment it is stored) and nothing forks (every pass builds on the head it locked; the lock only
/// spares work, the head row orders the passes).</para>
/// <para>Every node serves the log from the database: it follows the head, checks the new checkpoint's signature, that
/// the tiles hash to its root and that it is consistent with the one it served before, and only then publishes it.
/// The checkpoint key is the platform's (one log, one key) and every node must hold it; so must it the receipt key.
/// The first node records both public keys in <c>log_head</c>; a node with other keys refuses to start.</para>
/// </remarks>
internal sealed class SharedLog : IPublishedLog, IAsyncDisposable
{
    /// <summary>How often a node that is not the sequencer follows the head and tries to become the sequencer.</summary>
    public static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The most queued entries one pass takes.</summary>
    private const int PassLimit = 4096;

    private readonly NpgsqlDataSource _source;
    private readonly string _lockConnectionString;
    private readonly NoteSigner _signer;
    private readonly NoteVerifier _verifier;
    private readonly TimeProvider _time;
    private readonly DatabaseTiles _tiles;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _node = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}");
    private ILogger _logger = NullLogger.Instance;
    private Published _state;
    private NpgsqlConnection? _lock;
    private int _leading;
    private long _oldestQueued;
    private Task? _loop;

    private SharedLog(NpgsqlDataSource source, string lockConnectionString, NoteSigner signer, string origin, TimeSpan maxMergeDelay, TimeProvider time)
    {
        _source = source;
        _lockConnectionString = lockConnectionString;
        _signer = signer;
        _verifier = NoteVerifier.Parse(signer.VerifierKey);
        _time = time;
        _tiles = new DatabaseTiles(source);
        Origin = origin;
        MaxMergeDelay = maxMergeDelay;
        _state = new Published(new LogState(0, [], _tiles), []);
    }

    /// <inheritdoc />
    public TimeSpan MaxMergeDelay { get; }

    /// <inheritdoc />
    public string Origin { get; }

    /// <inheritdoc />
    public bool SequencesStoredReceipts => true;

    /// <inheritdoc />
    public string VerifierKey => _signer.VerifierKey;

    /// <inheritdoc />
    public long Size => Volatile.Read(ref _state).Tree.Size;

    /// <inheritdoc />
    public byte[] Checkpoint => Volatile.Read(ref _state).Tree.Checkpoint;

    /// <summary>True while this node is the sequencer.</summary>
    public bool IsSequencer => Volatile.Read(ref _leading) == 1;

    /// <summary>Never: the shared log has no journal of its own; its queue is the store, whose failures readiness
    /// reports as the store's.</summary>
    public bool AppendsRefused => false;

    /// <inheritdoc />
    public TimeSpan MergeBacklog
    {
        get
        {
            long oldest = Volatile.Read(ref _oldestQueued);
            return oldest == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds() - oldest));
        }
    }

    /// <summary>Connects, records or checks the platform's keys, and loads the published state. The sequencer and the
    /// follower start with <see cref="Start"/>.</summary>
    /// <param name="connectionString">The store's Npgsql connection string.</param>
    /// <param name="password">The password when the connection string has none.</param>
    /// <param name="configuredOrigin">The configured origin (<c>server.log_origin</c>), or null.</param>
    /// <param name="defaultOrigin">The origin of a new log when none is configured.</param>
    /// <param name="signerFor">The log's signing key, given the origin (the name of a new key).</param>
    /// <param name="receiptKey">This node's receipt verifier key: every node must sign receipts with the same one.</param>
    /// <param name="maxMergeDelay">The promised maximum merge delay.</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <exception cref="InvalidDataException">The keys or the origin differ from the platform's, or the stored tree
    /// does not hold its checkpoint.</exception>
    public static async Task<SharedLog> OpenAsync(string connectionString, string? password, string? configuredOrigin, string defaultOrigin,
        Func<string, NoteSigner> signerFor, string receiptKey, TimeSpan maxMergeDelay, TimeProvider time, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.Password) && !string.IsNullOrEmpty(password))
        {
            builder.Password = password;
        }

        // A pass waits at most this long for the head row (another sequencer's pass), as the store's writes do.
        builder.Options = $"{builder.Options} -c lock_timeout=4000".Trim();
        var source = NpgsqlDataSource.Create(builder);

        // The lock lives as long as its session: a connection of its own, never returned to a pool (a pool's reset of
        // the session would release it).
        var lockBuilder = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Pooling = false };
        NoteSigner? signer = null;
        try
        {
            var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var head = await ReadHeadAsync(connection, null, cancellationToken).ConfigureAwait(false);
                string origin = head is null ? configuredOrigin ?? defaultOrigin : OriginOf(head.Checkpoint);
                if (configuredOrigin is not null && configuredOrigin != origin)
                {
                    throw new InvalidDataException($"the platform's log has origin '{origin}', not the configured '{configuredOrigin}' (server.log_origin must be the same on every node).");
                }

                signer = signerFor(origin);
                if (head is null)
                {
                    byte[] empty = signer.Sign(new NoteCheckpoint(origin, 0, TreeHash.EmptyRoot.ToArray()).ToText());
                    using var insert = Command(connection, null, SharedLogSql.InsertHead,
                        ("checkpoint", empty), ("log_key", signer.VerifierKey), ("receipt_key", receiptKey), ("leader", "none"), ("now", time.GetUtcNow().ToUnixTimeMilliseconds()));
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    head = await ReadHeadAsync(connection, null, cancellationToken).ConfigureAwait(false)
                        ?? throw new InvalidDataException("log_head vanished while it was created");
                }

                if (head.LogKey != signer.VerifierKey)
                {
                    throw new InvalidDataException($"this node's log signing key ({signer.VerifierKey}) is not the platform's ({head.LogKey}): every node needs the same one. Copy log/signing.key from the data directory of the first node, or set {TransparencyLogOptions.SigningKeyVariable} on every node.");
                }

                if (head.ReceiptKey != receiptKey)
                {
                    throw new InvalidDataException($"this node's receipt key ({receiptKey}) is not the platform's ({head.ReceiptKey}): every node needs the same one. Copy receipt-signing.key from the data directory of the first node, or set CANDOR_RECEIPT_KEY on every node.");
                }

                var log = new SharedLog(source, lockBuilder.ConnectionString, signer, origin, maxMergeDelay, time);
                log._state = await log.LoadAsync(connection, null, head.Size, head.Checkpoint, cancellationToken).ConfigureAwait(false);
                return log;
            }
        }
        catch
        {
            signer?.Dispose();
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts following the head and competing for the sequencer role.</summary>
    public void Start(ILogger logger)
    {
        _logger = logger;
        _logger.SharedLogOpened(Origin, Size);
        _loop ??= Task.Run(LoopAsync, CancellationToken.None);
    }

    /// <inheritdoc />
    public async ValueTask<long> AppendAsync(ReadOnlyMemory<byte> entry, CancellationToken cancellationToken)
    {
        if (entry.Length > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), "A log entry holds at most 65535 bytes (tlog-tiles entry bundles use 16-bit lengths).");
        }

        string id = Guid.NewGuid().ToString("N");
        var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using (var insert = Command(connection, null, SharedLogSql.InsertQueued, ("id", id), ("now", _time.GetUtcNow().ToUnixTimeMilliseconds()), ("entry", entry.ToArray())))
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Durable now; its index is known once a sequencer's pass took it.
            using var select = Command(connection, null, SharedLogSql.SelectQueuedIndex, ("id", id));
            while (true)
            {
                if (await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long index)
                {
                    return index;
                }

                await Task.Delay(FollowInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public byte[] LeafHash(long index)
    {
        var state = Volatile.Read(ref _state).Tree;
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, state.Size);
        byte[] hash = new byte[TreeHash.Size];
        state.ReadNode(0, index, hash);
        return hash;
    }

    /// <inheritdoc />
    public (List<byte[]> Proof, byte[] Checkpoint, long Size) InclusionProof(long index)
    {
        var state = Volatile.Read(ref _state).Tree;
        return (MerkleProofs.Inclusion(state, index, state.Size), state.Checkpoint, state.Size);
    }

    /// <inheritdoc />
    public (List<byte[]> Proof, byte[] Root) InclusionProof(long index, long size)
    {
        var state = Volatile.Read(ref _state).Tree;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, state.Size);
        return (MerkleProofs.Inclusion(state, index, size), MerkleProofs.Root(state, size));
    }

    /// <inheritdoc />
    public (List<byte[]> Proof, byte[] OldRoot, byte[] NewRoot) ConsistencyProof(long oldSize, long newSize)
    {
        var state = Volatile.Read(ref _state).Tree;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(newSize, state.Size);
        return (MerkleProofs.Consistency(state, oldSize, newSize), MerkleProofs.Root(state, oldSize), MerkleProofs.Root(state, newSize));
    }

    /// <inheritdoc />
    public bool IsDamaged(string relativePath) => false;

    /// <inheritdoc />
    public async ValueTask<byte[]?> ReadResourceAsync(string relativePath, CancellationToken cancellationToken)
    {
        if (!TilePaths.TryParse(relativePath, out int level, out long index, out int width))
        {
            return null;
        }

        if (width == TilePaths.Width && level >= 0 && _tiles.TryGet(level, index, out byte[]? cached))
        {
            return cached;
        }

        var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = Command(connection, null, SharedLogSql.SelectTile, ("path", relativePath));
            return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }

        await GiveUpAsync(null).ConfigureAwait(false);
        _signer.Dispose();
        await _source.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var token = _stop.Token;
        bool failing = false;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (IsSequencer)
                {
                    using var ping = Command(_lock!, null, SharedLogSql.Ping);
                    await ping.ExecuteScalarAsync(token).ConfigureAwait(false);
                }
                else
                {
                    await TryLeadAsync(token).ConfigureAwait(false);
                }

                // A full pass leaves more queued: the next one runs at once.
                bool more = IsSequencer;
                while (more)
                {
                    more = await SequenceAsync(token).ConfigureAwait(false);
                }

                await FollowAsync(token).ConfigureAwait(false);
                failing = false;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // The loop must outlive any failure: logged once per outage, the pass is retried.
            catch (Exception e)
#pragma warning restore CA1031
            {
                // The database failed this node (or the pass): let a node that reaches it sequence meanwhile.
                if (!failing)
                {
                    _logger.SharedLogFailed(e.Message);
                    failing = true;
                }

                await GiveUpAsync(e.Message).ConfigureAwait(false);
            }

            try
            {
                await Task.Delay(IsSequencer ? MaxMergeDelay / 4 : FollowInterval, _time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task TryLeadAsync(CancellationToken cancellationToken)
    {
        if (_lock is null)
        {
            var connection = new NpgsqlConnection(_lockConnectionString);
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            _lock = connection;
        }

        using var tryLead = Command(_lock, null, SharedLogSql.TryLead);
        if (await tryLead.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
        {
            Volatile.Write(ref _leading, 1);
            _logger.SequencerAcquired(Origin, Size);
        }
    }

    /// <summary>Closes the lock's connection (PostgreSQL releases the lock with its session).</summary>
    private async Task GiveUpAsync(string? reason)
    {
        bool was = Interlocked.Exchange(ref _leading, 0) == 1;
        if (_lock is { } connection)
        {
            _lock = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        if (was && reason is not null)
        {
            _logger.SequencerLost(reason);
        }
    }

    /// <summary>Reads the head and, when it moved, checks and publishes the new tree; notes the age of the oldest queued
    /// receipt (readiness: <see cref="MergeBacklog"/>).</summary>
    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using (var oldest = Command(connection, transaction, SharedLogSql.SelectOldestUnlogged))
                {
                    Volatile.Write(ref _oldestQueued, await oldest.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long at ? at : 0);
                }

                var head = await ReadHeadAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                var served = Volatile.Read(ref _state);
                if (head is null || head.Size == served.Tree.Size)
                {
                    return;
                }

                if (head.Size < served.Tree.Size)
                {
                    _logger.SharedTreeRefused(head.Size, "smaller than the tree this node served: the database was rolled back", served.Tree.Size);
                    return;
                }

                Published next;
                try
                {
                    next = await LoadAsync(connection, transaction, head.Size, head.Checkpoint, cancellationToken).ConfigureAwait(false);
                    CheckConsistent(served.Tree, next.Tree);
                }
                catch (InvalidDataException e)
                {
                    _logger.SharedTreeRefused(head.Size, e.Message, served.Tree.Size);
                    return;
                }

                Publish(served, next);
            }
        }
    }

    /// <summary>One pass of the sequencer, in one transaction (see the remarks of <see cref="SharedLog"/>); true when it took
    /// as many entries as a pass may (more may be queued).</summary>
    private async Task<bool> SequenceAsync(CancellationToken cancellationToken)
    {
        var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                long size;
                byte[] checkpoint;
                using (var lockHead = Command(connection, transaction, SharedLogSql.LockHead))
                {
                    var reader = await lockHead.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            throw new InvalidDataException("log_head has no row");
                        }

                        (size, checkpoint) = (reader.GetInt64(0), (byte[])reader.GetValue(1));
                    }
                }

                // The head row is locked: no other pass runs until this one ends. Build on the head as stored.
                var served = Volatile.Read(ref _state);
                var basis = served.Tree.Size == size ? served : await LoadAsync(connection, transaction, size, checkpoint, cancellationToken).ConfigureAwait(false);

                var receipts = new List<(string Id, byte[] Data, long QueuedAt)>();
                using (var select = Command(connection, transaction, SharedLogSql.SelectUnloggedReceipts, ("limit", PassLimit)))
                {
                    var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            receipts.Add((reader.GetString(0), ReceiptLogAppender.LeafOf((byte[])reader.GetValue(1)), reader.GetInt64(2)));
                        }
                    }
                }

                var queued = new List<(string Id, byte[] Data, long QueuedAt)>();
                using (var select = Command(connection, transaction, SharedLogSql.SelectQueued, ("limit", PassLimit)))
                {
                    var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            queued.Add((reader.GetString(0), (byte[])reader.GetValue(1), reader.GetInt64(2)));
                        }
                    }
                }

                if (receipts.Count == 0 && queued.Count == 0)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    if (!ReferenceEquals(basis, served))
                    {
                        Publish(served, basis);
                    }

                    return false;
                }

                var entries = receipts.Concat(queued).ToList();
                var built = TileBatch.Build(basis.Tree, basis.Bundle, [.. entries.Select(static e => (TreeHash.Leaf(e.Data), e.Data))]);
                foreach (var (path, data) in built.Files)
                {
                    using var insert = Command(connection, transaction, SharedLogSql.InsertTile, ("path", path), ("data", data), ("size", built.Size));
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    if (TilePaths.TryParse(path, out _, out _, out int width) && width == TilePaths.Width)
                    {
                        using var delete = Command(connection, transaction, SharedLogSql.DeletePartials, ("prefix", path + ".p/%"));
                        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                await SetIndicesAsync(connection, transaction, SharedLogSql.SetReceiptIndices, receipts, size, cancellationToken).ConfigureAwait(false);
                await SetIndicesAsync(connection, transaction, SharedLogSql.SetQueuedIndices, queued, size + receipts.Count, cancellationToken).ConfigureAwait(false);

                var tree = new LogState(built.Size, built.Edges, _tiles);
                tree.Checkpoint = _signer.Sign(new NoteCheckpoint(Origin, built.Size, tree.Root).ToText());
                using (var advance = Command(connection, transaction, SharedLogSql.AdvanceHead,
                    ("size", built.Size), ("checkpoint", tree.Checkpoint), ("leader", _node), ("now", _time.GetUtcNow().ToUnixTimeMilliseconds()), ("old", size)))
                {
                    if (await advance.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                    {
                        throw new InvalidDataException($"the head moved from size {size} during the pass");
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                foreach (var (level, index, data) in built.FullTiles)
                {
                    _tiles.Remember(level, index, data);
                }

                Publish(served, new Published(tree, built.Bundle));
                var delay = TimeSpan.FromMilliseconds(Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds() - entries.Min(static e => e.QueuedAt)));
                Candor.Core.CandorMetrics.CheckpointMerged(delay);
                _logger.SharedCheckpointPublished(built.Size, entries.Count);
                return receipts.Count == PassLimit || queued.Count == PassLimit;
            }
        }
    }

    private static async Task SetIndicesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql,
        List<(string Id, byte[] Data, long QueuedAt)> rows, long first, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        string[] ids = [.. rows.Select(static r => r.Id)];
        long[] leaves = [.. Enumerable.Range(0, rows.Count).Select(i => first + i)];
        using var update = Command(connection, transaction, sql, ("ids", ids), ("leaves", leaves));
        int updated = await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        if (updated != rows.Count)
        {
            throw new InvalidDataException($"{rows.Count - updated} queued entries were taken by another pass");
        }
    }

    /// <summary>Publishes <paramref name="next"/> unless another thread published a larger tree meanwhile.</summary>
    private void Publish(Published served, Published next)
    {
        var current = Interlocked.CompareExchange(ref _state, next, served);
        if (!ReferenceEquals(current, served) && current.Tree.Size < next.Tree.Size)
        {
            Volatile.Write(ref _state, next);
        }
    }

    /// <summary>The stored tree of <paramref name="size"/> leaves: its checkpoint's signature and origin are checked, its
    /// rightmost tiles and entry bundle read, and its root recomputed against the checkpoint's.</summary>
    private async Task<Published> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long size, byte[] checkpoint, CancellationToken cancellationToken)
    {
        if (!_verifier.TryVerify(checkpoint, out string text, out string error) || !NoteCheckpoint.TryParse(text, out var parsed, out error))
        {
            throw new InvalidDataException($"the stored checkpoint is not signed by the platform's log key ({error})");
        }

        if (parsed!.Origin != Origin || parsed.Size != size)
        {
            throw new InvalidDataException($"the stored checkpoint names {parsed.Origin} at size {parsed.Size}, not {Origin} at {size}");
        }

        var paths = new List<string>();
        int levels = 0;
        for (; LogState.PartialWidth(size, levels) > 0 || LogState.FullTiles(size, levels) > 0; levels++)
        {
            if (LogState.PartialWidth(size, levels) is > 0 and int width)
            {
                paths.Add(TilePaths.Tile(levels, LogState.FullTiles(size, levels), width));
            }
        }

        int w0 = LogState.PartialWidth(size, 0);
        string? bundlePath = w0 > 0 ? TilePaths.Entries(size / TilePaths.Width, w0) : null;
        if (bundlePath is not null)
        {
            paths.Add(bundlePath);
        }

        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using (var select = Command(connection, transaction, SharedLogSql.SelectTiles, ("paths", paths.ToArray())))
        {
            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    found[reader.GetString(0)] = (byte[])reader.GetValue(1);
                }
            }
        }

        var edges = new byte[levels][];
        for (int level = 0; level < levels; level++)
        {
            int width = LogState.PartialWidth(size, level);
            if (width == 0)
            {
                edges[level] = [];
                continue;
            }

            string path = TilePaths.Tile(level, LogState.FullTiles(size, level), width);
            edges[level] = found.TryGetValue(path, out byte[]? tile) && tile.Length == width * TreeHash.Size
                ? tile
                : throw new InvalidDataException($"the partial tile {path} of the stored tree is missing");
        }

        List<byte[]> bundle = bundlePath is null ? [] : TileBatch.DecodeBundle(found.TryGetValue(bundlePath, out byte[]? b) ? b : throw new InvalidDataException($"the entry bundle {bundlePath} of the stored tree is missing"));
        if (bundle.Count != w0)
        {
            throw new InvalidDataException($"the entry bundle of the stored tree holds {bundle.Count} entries, not {w0}");
        }

        var tree = new LogState(size, edges, _tiles) { Checkpoint = checkpoint };
        if (!tree.Root.AsSpan().SequenceEqual(parsed.Root))
        {
            throw new InvalidDataException($"the stored tiles do not hash to the checkpoint's root at size {size}");
        }

        return new Published(tree, bundle);
    }

    /// <summary>Throws unless <paramref name="next"/> extends <paramref name="served"/> (a consistency proof between them holds).</summary>
    private static void CheckConsistent(LogState served, LogState next)
    {
        if (served.Size == 0)
        {
            return;
        }

        var proof = MerkleProofs.Consistency(next, served.Size, next.Size);
        if (!MerkleProofs.VerifyConsistency(served.Size, next.Size, served.Root, next.Root, proof))
        {
            throw new InvalidDataException($"the stored tree of size {next.Size} is not consistent with the tree of size {served.Size} this node served: a fork");
        }
    }

    private static async Task<Head?> ReadHeadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        using var select = Command(connection, transaction, SharedLogSql.SelectHead);
        var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new Head(reader.GetInt64(0), (byte[])reader.GetValue(1), reader.GetString(2), reader.GetString(3))
                : null;
        }
    }

    /// <summary>The origin line of a stored checkpoint (checked with its signature when the tree is loaded).</summary>
    private static string OriginOf(byte[] checkpoint)
    {
        int end = Array.IndexOf(checkpoint, (byte)'\n');
        return end > 0 ? Encoding.UTF8.GetString(checkpoint, 0, end) : throw new InvalidDataException("the stored checkpoint has no origin line");
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    private sealed record Head(long Size, byte[] Checkpoint, string LogKey, string ReceiptKey);

    /// <summary>A published tree and the entries of its partial entry bundle (what the next pass extends).</summary>
    private sealed record Published(LogState Tree, List<byte[]> Bundle);

    /// <summary>Full tiles read from <c>log_tiles</c> (immutable once written), kept in a bounded cache.</summary>
    private sealed class DatabaseTiles(NpgsqlDataSource source) : IFullTiles
    {
        private const int MaxCached = 4096;
        private readonly ConcurrentDictionary<(int Level, long Index), byte[]> _cache = new();

        public byte[] ReadFull(int level, long index)
        {
            if (_cache.TryGetValue((level, index), out byte[]? tile))
            {
                return tile;
            }

            string path = TilePaths.Tile(level, index, TilePaths.Width);
            using (var connection = source.OpenConnection())
            using (var select = Command(connection, null, SharedLogSql.SelectTile, ("path", path)))
            {
                tile = select.ExecuteScalar() as byte[];
            }

            if (tile is not { Length: TilePaths.Width * TreeHash.Size })
            {
                throw new InvalidDataException($"the shared log is missing its full tile {path}");
            }

            Remember(level, index, tile);
            return tile;
        }

        public bool TryGet(int level, long index, out byte[]? tile) => _cache.TryGetValue((level, index), out tile);

        public void Remember(int level, long index, byte[] tile)
        {
            if (_cache.Count >= MaxCached)
            {
                _cache.Clear();
            }

            _cache[(level, index)] = tile;
        }
    }
}
