using System.Net.Http.Headers;
using Candor.Emulator;
using Candor.Server.Hosting;
using Candor.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Candor.FunctionalTests.Infrastructure;

/// <summary>One Candor on loopback over in-process upstream emulators, in a temporary directory of its own that holds
/// <c>candor.yaml</c> and the data directory (<c>data/</c>). Configured through <see cref="Builder"/> with YAML text,
/// so a test reads the configuration it runs. On dispose it checks that the host leaked nothing
/// (<see cref="HostLeaks"/>), stops Candor and the emulators and deletes the directory.</summary>
public sealed class CandorTestHost : IAsyncDisposable
{
    /// <summary>The credential every emulator asks for unless the builder names another one.</summary>
    public const string UpstreamSecret = "upstream-secret";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Builder _builder;
    private readonly bool _ownsDirectory;
    private readonly UnobservedExceptions _unobserved = new();
    private WebApplication? _app;
    private string? _bootstrapKey;
    private bool _disposed;

    private CandorTestHost(Builder builder, string directory, bool ownsDirectory)
    {
        _builder = builder;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
    }

    /// <summary>A builder with one emulator that asks for <see cref="UpstreamSecret"/> and <c>UPSTREAM_KEY</c> set to it.</summary>
    public static Builder Create() => new();

    /// <summary>Holds <c>candor.yaml</c> and <c>data/</c>.</summary>
    public string Directory { get; }

    public string ConfigPath => Path.Combine(Directory, "candor.yaml");

    /// <summary><c>data/</c> beside the configuration: where <c>server.data_dir: data</c> points, and where
    /// <see cref="Builder.Bootstrap"/> puts the store.</summary>
    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>The PostgreSQL database holding the store when the tests run on PostgreSQL (<see cref="PostgresTestDatabase"/>),
    /// else null (SQLite in <see cref="DataDirectory"/>).</summary>
    public PostgresTestDatabase? Postgres { get; private set; }

    public IReadOnlyList<EmulatorHost> Emulators { get; private set; } = [];

    /// <summary>The first emulator (the one <c>{{emu}}</c> names).</summary>
    public EmulatorHost Emulator => Emulators[0];

    public WebApplication App => _app ?? throw new InvalidOperationException("Candor is not running.");

    public IServiceProvider Services => App.Services;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>What Candor wrote to its console (the operator key at a first start, demo banners).</summary>
    public StringWriter Console { get; } = new();

    /// <summary>Every log line at or above the builder's level (<see cref="Builder.CaptureLogs"/>).</summary>
    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>The operator key: from the bootstrap when the builder asked for one, else the line Candor printed at
    /// its first start.</summary>
    public string OperatorKey => _bootstrapKey ?? Console.ToString().Split('\n').Select(static l => l.Trim())
        .First(static l => l.StartsWith("Operator key", StringComparison.Ordinal)).Split(' ')[^1];

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>The environment Candor reads (<c>UPSTREAM_KEY</c> and what the builder added).</summary>
    public string? Environment(string name) => _builder.Variables.GetValueOrDefault(name);

    /// <summary>A client of the server, with <paramref name="key"/> as its bearer token when given.</summary>
    public HttpClient CreateClient(string? key = null, TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = timeout ?? _builder.ClientTimeout };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        foreach (var (name, value) in _builder.ClientHeaders)
        {
            client.DefaultRequestHeaders.Add(name, value);
        }

        return client;
    }

    /// <summary>Sends a request (with <paramref name="body"/> as JSON when given) as <paramref name="key"/>; returns
    /// the status and the response text.</summary>
    /// <summary>A new account named <paramref name="name"/> and a key of it, made through the admin API with the operator key.</summary>
    public async Task<(string AccountId, string Key)> MemberAsync(string name)
    {
        var (_, account) = await SendAsync(OperatorKey, HttpMethod.Post, "/admin/v1/accounts", $$"""{"name":"{{name}}"}""", Json.Timeout());
        string accountId = Json.ParseOrDefault(account).GetProperty("id").GetString()!;
        var (_, key) = await SendAsync(OperatorKey, HttpMethod.Post, $"/admin/v1/accounts/{accountId}/keys", """{"name":"k"}""", Json.Timeout());
        return (accountId, Json.ParseOrDefault(key).GetProperty("key").GetString()!);
    }

    public async Task<(int Status, string Text)> SendAsync(string? key, HttpMethod method, string path, string? body, CancellationToken cancellationToken)
    {
        using var client = CreateClient(key);
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = Json.Body(body);
        }

        using var response = await client.SendAsync(request, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>Runs the real CLI in-process on <see cref="DataDirectory"/>, as <c>candor &lt;args&gt; --data data/</c>
    /// does, with the host's store (on PostgreSQL: <c>CANDOR_POSTGRES</c> and its password set for this call only);
    /// returns its exit code and what it wrote to stdout and stderr.</summary>
    public Task<(int Code, string Out, string Err)> RunCliAsync(params string[] args) => InProcessCli.RunAsync(DataDirectory, CliEnvironment, args);

    /// <summary>The environment the CLI reads for this host's data directory: the process's, and on PostgreSQL the
    /// host's <c>CANDOR_POSTGRES</c> and password (<c>CandorCli.RunAsync</c> with an environment).</summary>
    public string? CliEnvironment(string name) => PostgresVariable(name) ?? System.Environment.GetEnvironmentVariable(name);

    /// <summary>Replaces <c>candor.yaml</c> with <paramref name="yaml"/> (placeholders as in <see cref="Builder.Yaml(string)"/>);
    /// a host built with <see cref="Builder.Watch"/> reloads it.</summary>
    public Task WriteYamlAsync(string yaml, CancellationToken cancellationToken) =>
        File.WriteAllTextAsync(ConfigPath, Builder.Substitute(yaml, EmulatorUrls), cancellationToken);

    private string[] EmulatorUrls => Emulators.Select(static e => e.BaseAddress.ToString().TrimEnd('/')).ToArray();

    /// <summary>Stops Candor and starts a process-equivalent on the same configuration and data directory (memory is
    /// lost, the database stays). The emulators keep running.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopServerAsync();
        await StartServerAsync(cancellationToken);
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        _unobserved.Start();
        var emulators = new List<EmulatorHost>();
        Emulators = emulators;
        var upstreams = _builder.Demos ? Enumerable.Empty<EmulatorOptions>() : _builder.EmulatorOptions.DefaultIfEmpty(new EmulatorOptions { RequiredApiKey = UpstreamSecret });
        foreach (var options in upstreams)
        {
            emulators.Add(await EmulatorHost.StartAsync(options, cancellationToken));
        }

        if (!_builder.Demos)
        {
            await File.WriteAllTextAsync(ConfigPath, _builder.Yaml(EmulatorUrls), cancellationToken);
        }

        // Whichever way the host gets a store (bootstrap, --data, server.data_dir in its YAML), it opens it here.
        if (!_builder.Demos && _builder.SqliteReason is null && await OpensStoreAsync(cancellationToken))
        {
            Postgres ??= await PostgresTestDatabase.CreateIfSelectedAsync(_ownsDirectory ? null : Directory, cancellationToken);
        }

        if (_builder.Bootstraps)
        {
            var boot = await StoreBootstrap.InitializeAsync(DataDirectory, Postgres?.HostConnectionString, Postgres?.Password, TimeProvider.System, cancellationToken);
            using (boot.Store)
            {
                _bootstrapKey = boot.OperatorKey!.PlaintextKey;
            }
        }

        _builder.BeforeStartAction?.Invoke(DataDirectory);
        if (_builder.BeforeStartStep is { } step)
        {
            await step(this, cancellationToken);
        }

        await StartServerAsync(cancellationToken);
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(StartTimeout);
        var variables = _builder.Variables;
        _app = await CandorServer.BuildAsync(new ServeOptions
        {
            ConfigPath = ConfigPath,
            Demo = _builder.Demos,
            DataDirectory = _builder.Bootstraps || _builder.ServesData ? DataDirectory : null,
            Urls = _builder.Addresses,
            TlsCertificateFile = _builder.Certificate?.CertificateFile,
            TlsKeyFile = _builder.Certificate?.KeyFile,
            Environment = name => variables.GetValueOrDefault(name) ?? PostgresVariable(name),
            Watch = _builder.Watches,
            LogLevel = _builder.Level,
            LoggerProvider = _builder.CapturesLogs ? Logs : null,
            TimeProvider = _builder.Clock ?? TimeProvider.System,
            ConfigureServices = _builder.ServiceActions.Count == 0 ? null : services =>
            {
                foreach (var action in _builder.ServiceActions)
                {
                    action(services);
                }
            },
        }, Console, cts.Token);
        await _app.StartAsync(cts.Token);
        BaseAddress = new Uri(_app.Urls.First());
    }

    /// <summary>Whether Candor will open a store: it has a data directory (<c>--data</c>, <c>server.data_dir</c> or
    /// <c>CANDOR_DATA</c>; a YAML that merely mentions <c>data_dir</c> counts, which at worst makes a database unused).</summary>
    private async Task<bool> OpensStoreAsync(CancellationToken cancellationToken) =>
        _builder.Bootstraps || _builder.ServesData || _builder.Variables.ContainsKey("CANDOR_DATA")
        || (File.Exists(ConfigPath) && (await File.ReadAllTextAsync(ConfigPath, cancellationToken)).Contains("data_dir", StringComparison.Ordinal));

    /// <summary>What Candor reads from the environment for its store when the host runs on PostgreSQL: the connection
    /// string and, apart, the password (as an operator sets them).</summary>
    private string? PostgresVariable(string name) => name switch
    {
        PostgresEnvironment.ConnectionVariable => Postgres?.HostConnectionString,
        PostgresEnvironment.PasswordVariable => Postgres?.Password,
        _ => null,
    };

    private async Task StopServerAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Checks for leaks (unless the builder turned the checks off) while Candor still runs, then stops
    /// everything and deletes the directory; throws what leaked last, so cleaning up always happens. A second call
    /// does nothing.</summary>
    public ValueTask DisposeAsync() => DisposeAsync(_builder.ChecksLeaks);

    private async ValueTask DisposeAsync(bool checkLeaks)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        string? leaks = null;
        if (checkLeaks && _app is not null)
        {
            leaks = await HostLeaks.DescribeAsync(_app.Services, Emulators, _unobserved);
        }

        _unobserved.Stop();
        await StopServerAsync();
        foreach (var emulator in Emulators)
        {
            await emulator.DisposeAsync();
        }

        if (Postgres is { } postgres)
        {
            await postgres.DisposeAsync();
        }

        if (_builder.AfterStopAction is { } afterStop)
        {
            afterStop(DataDirectory);
        }

        if (_ownsDirectory)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        if (leaks is not null)
        {
            throw new InvalidOperationException("The host leaked: " + leaks);
        }
    }

    /// <summary>What a test host is made of. Every method returns the builder; <see cref="StartAsync"/> makes the
    /// directory, starts the emulators, writes the YAML and starts Candor.</summary>
    public sealed class Builder
    {
        private Func<string[], string> _yaml = static _ => "";
        private string? _directory;
        private string _prefix = "candor-test-";

        internal Builder()
        {
        }

        internal List<EmulatorOptions> EmulatorOptions { get; } = [];

        internal Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal) { ["UPSTREAM_KEY"] = UpstreamSecret };

        internal List<(string Name, string Value)> ClientHeaders { get; } = [];

        internal List<Action<IServiceCollection>> ServiceActions { get; } = [];

        internal TimeSpan ClientTimeout { get; private set; } = TimeSpan.FromSeconds(30);

        internal LogLevel Level { get; private set; } = LogLevel.Warning;

        internal bool CapturesLogs { get; private set; }

        internal bool Bootstraps { get; private set; }

        internal bool ChecksLeaks { get; private set; } = true;

        internal TimeProvider? Clock { get; private set; }

        internal Action<string>? BeforeStartAction { get; private set; }

        internal Action<string>? AfterStopAction { get; private set; }

        internal Func<CandorTestHost, CancellationToken, Task>? BeforeStartStep { get; private set; }

        internal bool ServesData { get; private set; }

        internal bool Watches { get; private set; }

        internal bool Demos { get; private set; }

        internal string? SqliteReason { get; private set; }

        internal string Addresses { get; private set; } = "http://127.0.0.1:0";

        internal (string CertificateFile, string KeyFile)? Certificate { get; private set; }

        internal string Yaml(string[] emulators) => _yaml(emulators);

        /// <summary>The configuration, with <c>{{emu}}</c> standing for the first emulator's base URL (no trailing
        /// slash) and <c>{{emu1}}</c>, <c>{{emu2}}</c>… for the others.</summary>
        public Builder Yaml(string yaml)
        {
            _yaml = urls => Substitute(yaml, urls);
            return this;
        }

        internal static string Substitute(string yaml, string[] urls)
        {
            string text = yaml;
            for (int i = urls.Length - 1; i >= 1; i--)
            {
                text = text.Replace("{{emu" + i + "}}", urls[i], StringComparison.Ordinal);
            }

            return text.Replace("{{emu}}", urls.Length > 0 ? urls[0] : "", StringComparison.Ordinal);
        }

        /// <summary>The configuration as a function of the first emulator's base URL (no trailing slash).</summary>
        public Builder Yaml(Func<string, string> yaml)
        {
            _yaml = urls => yaml(urls[0]);
            return this;
        }

        /// <summary>The configuration as a function of every emulator's base URL (no trailing slash), in order.</summary>
        public Builder YamlOver(Func<string[], string> yaml)
        {
            _yaml = yaml;
            return this;
        }

        /// <summary>Adds an emulator; without any, the host starts one that asks for <see cref="UpstreamSecret"/>.</summary>
        public Builder Emulator(EmulatorOptions options)
        {
            EmulatorOptions.Add(options);
            return this;
        }

        /// <summary>Sets an environment variable Candor reads (<c>key_env</c>, <c>api_key_env</c>).</summary>
        public Builder Env(string name, string value)
        {
            Variables[name] = value;
            return this;
        }

        /// <summary>Creates the store in <see cref="DataDirectory"/> before Candor starts (so <see cref="OperatorKey"/>
        /// comes from the bootstrap) and passes the directory to Candor as <c>--data</c> does.</summary>
        public Builder Bootstrap()
        {
            Bootstraps = true;
            return this;
        }

        /// <summary>Keeps every log line at or above <paramref name="level"/> in <see cref="Logs"/>.</summary>
        public Builder CaptureLogs(LogLevel level = LogLevel.Trace)
        {
            CapturesLogs = true;
            Level = level;
            return this;
        }

        /// <summary>Runs after Candor's own registrations (a transparency log, a replaced service).</summary>
        public Builder Services(Action<IServiceCollection> configure)
        {
            ServiceActions.Add(configure);
            return this;
        }

        /// <summary>The clock of every time-based service.</summary>
        public Builder WithClock(TimeProvider clock)
        {
            Clock = clock;
            return this;
        }

        /// <summary>A header every client from <see cref="CreateClient"/> sends.</summary>
        public Builder ClientHeader(string name, string value)
        {
            ClientHeaders.Add((name, value));
            return this;
        }

        /// <summary>The timeout of clients from <see cref="CreateClient"/> (30 s unless set).</summary>
        public Builder WithClientTimeout(TimeSpan timeout)
        {
            ClientTimeout = timeout;
            return this;
        }

        /// <summary>Runs with the data directory's path before Candor starts (a test mounts a small filesystem there).</summary>
        public Builder BeforeStart(Action<string>? action)
        {
            BeforeStartAction = action;
            return this;
        }

        /// <summary>Runs with the host before Candor starts, after the YAML is written and any <see cref="Bootstrap"/>
        /// (a test prepares the store through the CLI: <see cref="RunCliAsync"/>).</summary>
        public Builder BeforeStart(Func<CandorTestHost, CancellationToken, Task> step)
        {
            BeforeStartStep = step;
            return this;
        }

        /// <summary>Passes <see cref="DataDirectory"/> to Candor as <c>--data</c> does, without creating the store first
        /// (a <see cref="BeforeStart(Func{CandorTestHost, CancellationToken, Task})"/> step or Candor itself creates it).</summary>
        public Builder ServeData()
        {
            ServesData = true;
            return this;
        }

        /// <summary>Watches <c>candor.yaml</c> and reloads it on change, as <c>candor serve</c> does without
        /// <c>--no-watch</c> (<see cref="WriteYamlAsync"/> changes it).</summary>
        public Builder Watch()
        {
            Watches = true;
            return this;
        }

        /// <summary>Runs <c>candor serve --demo</c>: built-in models over Candor's own emulated upstreams; no YAML and
        /// no emulator of the host's.</summary>
        public Builder Demo()
        {
            Demos = true;
            return this;
        }

        /// <summary>Keeps the store on SQLite in <see cref="DataDirectory"/> when the tests run on PostgreSQL
        /// (<see cref="PostgresTestDatabase"/>): for a host whose test is about the SQLite file itself (its path, modes,
        /// WAL, locks, copies of it). <paramref name="reason"/> says which, for the reader; null leaves the store the run
        /// selects.</summary>
        public Builder OnSqlite(string? reason)
        {
            SqliteReason = reason;
            return this;
        }

        /// <summary>The listen addresses in <c>--urls</c> syntax (<c>http://127.0.0.1:0</c> unless set; an https
        /// address for TLS). <see cref="BaseAddress"/> is the first one.</summary>
        public Builder Urls(string urls)
        {
            Addresses = urls;
            return this;
        }

        /// <summary>The PEM certificate and key of https addresses, as <c>--tls-cert</c> and <c>--tls-key</c> give them.</summary>
        public Builder Tls(string certificateFile, string keyFile)
        {
            Certificate = (certificateFile, keyFile);
            return this;
        }

        /// <summary>Runs with the data directory's path after Candor and the emulators stopped, before the directory is deleted.</summary>
        public Builder AfterStop(Action<string>? action)
        {
            AfterStopAction = action;
            return this;
        }

        /// <summary>The name prefix of the temporary directory (it shows in leftover directories and error messages).</summary>
        public Builder Prefix(string prefix)
        {
            _prefix = prefix;
            return this;
        }

        /// <summary>Runs in <paramref name="directory"/>, which the caller owns: it is not deleted at dispose, so a
        /// later host can start on what this one left.</summary>
        public Builder InDirectory(string directory)
        {
            _directory = directory;
            return this;
        }

        /// <summary>Turns the dispose-time leak checks off (for a host a test deliberately leaves mid-request).</summary>
        public Builder WithoutLeakChecks()
        {
            ChecksLeaks = false;
            return this;
        }

        /// <summary>Starts the host; on failure stops what started and rethrows.</summary>
        public async Task<CandorTestHost> StartAsync(CancellationToken cancellationToken = default)
        {
            string directory = _directory ?? CreatePrivateDirectory(_prefix);
            var host = new CandorTestHost(this, directory, ownsDirectory: _directory is null);
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                cts.CancelAfter(StartTimeout);
                await host.StartAsync(cts.Token);
                return host;
            }
            catch
            {
                await host.DisposeAsync(checkLeaks: false);
                throw;
            }
        }

        private static string CreatePrivateDirectory(string prefix)
        {
            // CreateTempSubdirectory makes it 0700 on Unix already; the mode is set anyway so the guarantee is
            // visible here and holds on a runtime that makes it otherwise.
            var info = System.IO.Directory.CreateTempSubdirectory(prefix);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(info.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            return info.FullName;
        }
    }
}
