using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Candor.Core.Accounts;
using Candor.Storage;
using Npgsql;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>N real <c>candor</c> processes (the built server's <c>candor.dll</c>) sharing one PostgreSQL schema and, when
/// given, one Redis: the multi-node tests of issue 16. The first node starts alone and creates the keys every node
/// must share (server secret, master key, receipt key, log key — docs/scale-out.md); only they are copied into the other
/// nodes' data directories, as an operator would (each data directory is otherwise the node's own), and those start together. Each node keeps its last output lines for
/// the failure message (<see cref="Output"/>).</summary>
internal sealed class CandorCluster : IAsyncDisposable
{
    /// <summary>How many lines of each node are kept from the cluster's start (a test's run writes far fewer).</summary>
    private const int HistoryLines = 20_000;

    private readonly string _dir;
    private readonly PostgresTestSchema _schema;
    private readonly Dictionary<string, string> _environment;
    private readonly Node[] _nodes;

    private CandorCluster(string dir, PostgresTestSchema schema, Dictionary<string, string> environment, int count)
    {
        _dir = dir;
        _schema = schema;
        _environment = environment;
        _nodes = [.. Enumerable.Range(0, count).Select(i => new Node(i, Path.Combine(dir, "node" + i.ToString(CultureInfo.InvariantCulture)), CandorProcess.FreePort()))];
    }

    /// <summary>The number of nodes.</summary>
    public int Count => _nodes.Length;

    /// <summary>The PostgreSQL schema every node stores in (its connection string has it first on the search path).</summary>
    public PostgresTestSchema Schema => _schema;

    /// <summary>An HTTP client of node <paramref name="i"/> (no key).</summary>
    public HttpClient Client(int i) => _nodes[i].Client;

    /// <summary>The base address of node <paramref name="i"/> (for a client of the test's own, e.g. a longer timeout).</summary>
    public Uri Address(int i) => _nodes[i].Client.BaseAddress!;

    /// <summary>The platform operator's key, created in the store when the cluster started.</summary>
    public string OperatorKey { get; private set; } = "";

    /// <summary>The process id of node <paramref name="i"/> (0 when it is not running).</summary>
    public int ProcessId(int i) => _nodes[i].Process is { HasExited: false } p ? p.Id : 0;

    /// <summary>Whether node <paramref name="i"/> runs.</summary>
    public bool IsRunning(int i) => _nodes[i].Process is { HasExited: false };

    /// <summary>The last lines every node wrote (for a failure message).</summary>
    public string Output() => string.Join("\n", _nodes.Select(n => $"--- node {n.Index} ---\n" + string.Join("\n", n.Lines)));

    /// <summary>Starts <paramref name="count"/> nodes on <paramref name="config"/> (YAML with <c>server.data_dir: data</c>; the
    /// store is given by <c>CANDOR_POSTGRES</c>), in a fresh schema of the database named by
    /// <paramref name="database"/> (default: <c>CANDOR_TEST_POSTGRES</c>). <paramref name="seed"/> runs on the store before any node starts (accounts, keys).</summary>
    public static async Task<CandorCluster> StartAsync(int count, string config, IReadOnlyDictionary<string, string> environment,
        Func<RelationalStore, Task> seed, CancellationToken ct, string? database = null)
    {
        database ??= Environment.GetEnvironmentVariable("CANDOR_TEST_POSTGRES")
            ?? throw new InvalidOperationException("CANDOR_TEST_POSTGRES is not set (.ci/run starts a PostgreSQL and sets it)");
        var schema = await PostgresTestSchema.CreateInAsync(database, ct);
        string dir = Directory.CreateTempSubdirectory("candor-cluster-").FullName;
        var env = new Dictionary<string, string>(environment) { ["CANDOR_POSTGRES"] = schema.ConnectionString };
        var cluster = new CandorCluster(dir, schema, env, count);
        try
        {
            foreach (var node in cluster._nodes)
            {
                Directory.CreateDirectory(node.Directory);
                await File.WriteAllTextAsync(Path.Combine(node.Directory, "candor.yaml"), config, ct);
            }

            // The first node's store: migrations, secret, the test's accounts and keys.
            var boot = await StoreBootstrap.InitializeAsync(Path.Combine(cluster._nodes[0].Directory, "data"), schema.ConnectionString, null, TimeProvider.System, ct);
            using (var store = boot.Store)
            {
                cluster.OperatorKey = boot.OperatorKey!.PlaintextKey;
                await seed(store);
            }

            await cluster.StartNodeAsync(0, ct);
            string from = Path.Combine(cluster._nodes[0].Directory, "data");
            foreach (var node in cluster._nodes.Skip(1))
            {
                CopyKeys(from, Path.Combine(node.Directory, "data"));
            }

            await Task.WhenAll(cluster._nodes.Skip(1).Select(n => cluster.StartNodeAsync(n.Index, ct)));
            return cluster;
        }
        catch (Exception e)
        {
            string output = cluster.Output();
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"the cluster did not start: {e.Message}\n{output}", e);
        }
    }

    /// <summary>A store on the cluster's schema, opened as the first node's (same server secret), for a test to read
    /// what the nodes wrote; the caller disposes it. It is no node: it holds no lease and serves nothing.</summary>
    public async Task<RelationalStore> OpenStoreAsync(CancellationToken ct) =>
        (await StoreBootstrap.InitializeAsync(Path.Combine(_nodes[0].Directory, "data"), _schema.ConnectionString, null, TimeProvider.System, ct)).Store;

    /// <summary>Waits until node <paramref name="i"/> has written a line containing <paramref name="text"/> since the
    /// cluster started (at most <paramref name="within"/>).</summary>
    public async Task WaitForLineAsync(int i, string text, TimeSpan within, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!HasWritten(i, text))
        {
            Assert.True(clock.Elapsed < within, $"node {i} did not write \"{text}\" within {within.TotalSeconds:0} s\n{Output()}");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>Whether node <paramref name="i"/> has written a line containing <paramref name="text"/> since the cluster started.</summary>
    public bool HasWritten(int i, string text) => _nodes[i].History.Any(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Starts node <paramref name="i"/> (again) and waits until it answers <c>/healthz</c>.</summary>
    public async Task StartNodeAsync(int i, CancellationToken ct)
    {
        var node = _nodes[i];
        node.Process?.Dispose();
        node.Process = CandorProcess.Start(Path.Combine(node.Directory, "candor.yaml"), node.Port, "Information", _environment, line =>
        {
            if (line is null)
            {
                return;
            }

            node.Lines.Enqueue(line);
            while (node.Lines.Count > 60)
            {
                node.Lines.TryDequeue(out _);
            }

            if (node.History.Count < HistoryLines)
            {
                node.History.Enqueue(line);
            }
        });
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(TimeSpan.FromSeconds(60));
        await CandorProcess.WaitHealthyAsync(node.Client, wait.Token);
    }

    /// <summary>Kills node <paramref name="i"/> with SIGKILL (no shutdown of any kind).</summary>
    public async Task KillAsync(int i)
    {
        if (_nodes[i].Process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>The node whose process id is <paramref name="pid"/>, or -1.</summary>
    public int NodeOfProcess(int pid) => Array.FindIndex(_nodes, n => n.Process is { HasExited: false } p && p.Id == pid);

    /// <summary>Runs a query on the cluster's schema and returns its first column.</summary>
    public async Task<object?> ScalarAsync(string sql, CancellationToken ct, params (string Name, object Value)[] parameters) =>
        await _schema.ExecuteAsync(sql, ct, parameters);

    /// <summary>Reads rows of (id, leaf index or null, body) for the receipts with <paramref name="ids"/>.</summary>
    public async Task<Dictionary<string, (long? LeafIndex, byte[] Body)>> ReceiptsAsync(IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_schema.ConnectionString) { Pooling = false }.ToString());
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT id, leaf_index, body FROM receipts WHERE id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new Dictionary<string, (long?, byte[])>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            rows[reader.GetString(0)] = (reader.IsDBNull(1) ? null : reader.GetInt64(1), (byte[])reader.GetValue(2));
        }

        return rows;
    }

    /// <summary>Creates an account with <paramref name="balanceMicros"/> and a key on it; returns the key's plaintext.</summary>
    public static async Task<string> AccountWithKeyAsync(RelationalStore store, long balanceMicros, ApiKeyLimits limits, CancellationToken ct)
    {
        var account = await store.CreateAccountAsync("cluster", Account.DefaultGroup, ct);
        await store.TopUpAsync(account.Id, balanceMicros, "test", ct);
        return (await store.CreateKeyAsync(account.Id, "cluster", limits, isOperator: false, ct))!.PlaintextKey;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await KillAsync(node.Index);
            node.Process?.Dispose();
            node.Client.Dispose();
        }

        try
        {
            await _schema.DisposeAsync();
        }
        catch (NpgsqlException)
        {
            // The database is gone already (a test stopped it); its data directory goes with it.
        }

        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The files every node of an installation must share (docs/scale-out.md, "Choosing the engine"): the server
    /// secret, the master key ring, the receipt key and the log's checkpoint key. Nothing else: each node's data directory
    /// is its own (its node id under <c>node/</c>, its log anchor, its audit probe seed).</summary>
    internal static readonly string[] SharedFiles =
        [ServerSecret.FileName, MasterKeyFile.FileName, ReceiptKeyFile.FileName, Path.Combine("log", "signing.key")];

    /// <summary>Copies the shared keys (<see cref="SharedFiles"/>) from one node's data directory to another's, as an operator
    /// would.</summary>
    private static void CopyKeys(string from, string to)
    {
        foreach (string name in SharedFiles)
        {
            string source = Path.Combine(from, name);
            if (File.Exists(source))
            {
                string target = Path.Combine(to, name);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(source, target, overwrite: true);
            }
        }
    }

    private sealed class Node(int index, string directory, int port)
    {
        public int Index { get; } = index;

        public string Directory { get; } = directory;

        public int Port { get; } = port;

        public HttpClient Client { get; } = new() { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };

        public Process? Process { get; set; }

        public ConcurrentQueue<string> Lines { get; } = new();

        /// <summary>Every line from the start, up to <see cref="HistoryLines"/> (for <see cref="HasWritten"/>).</summary>
        public ConcurrentQueue<string> History { get; } = new();
    }
}

/// <summary>A test with several Candor processes on PostgreSQL (and Redis): skipped (saying why) without
/// <c>CANDOR_TEST_POSTGRES</c> or <c>redis-server</c>, never under CI, where .ci/run provides both.</summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute()
    {
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("CANDOR_TEST_POSTGRES") is not { Length: > 0 })
        {
            Skip = "CANDOR_TEST_POSTGRES is not set (a PostgreSQL with the C collation; .ci/run starts one)";
        }
        else if (RedisServer.Binary is null)
        {
            Skip = "redis-server is not installed (apt-get install redis-server; .ci/run does)";
        }
    }
}

/// <summary>The test classes that each start three <c>candor</c> processes and load them: run one after the other, so
/// that they do not share the machine's cores with one another (a cold process under that load can exceed the store's
/// timeouts and fail requests closed, which is not what they test).</summary>
[CollectionDefinition(Name)]
public sealed class ClusterProcesses
{
    public const string Name = "cluster processes";
}
