using Candor.Core.Configuration;
using Candor.Server.Hosting;

namespace Candor.Server.Cli;

/// <summary>The `candor` command line: serve (with --demo), version, help.</summary>
internal static class CandorCli
{
    private static readonly string Usage = """
        Candor — a verifiable AI relay.

        Usage:
          candor serve [--config PATH] [--urls URLS] [--demo] [--log-level LEVEL] [--no-watch] [--data DIR]
                       [--tls-cert CERT.pem --tls-key KEY.pem]
          candor init [--data DIR]
          candor migrate [--data DIR] [--postgres CONNECTION_STRING]
          candor copy [--data DIR] (--to-postgres CONNECTION_STRING | --to-data DIR)
          candor accounts create --name NAME [--group GROUP] [--data DIR]
          candor accounts list [--data DIR]
          candor keys create --account ID --name NAME [--models a,b] [--cidrs 10.0.0.0/8,…]
                             [--rpm N] [--tpm N] [--concurrency N] [--budget USD] [--expires ISO-8601] [--data DIR]
          candor keys list --account ID [--data DIR]
          candor keys revoke --account ID --key KEY_ID [--data DIR]
          candor topup --account ID --amount USD [--note TEXT] [--data DIR]
          candor usage --account ID [--key KEY_ID] [--limit N] [--data DIR]
          candor prices [list] [--model NAME] [--file operator-prices.yaml,…] [--data DIR]
          candor prices set --model NAME [--channel ID] --input USD --output USD [--cached-input USD]
                            [--cache-write USD] [--reasoning USD] [--per-request USD] [--data DIR]
          candor prices set --group GROUP --multiplier 0.8 [--data DIR]
          candor prices unset (--model NAME [--channel ID] | --group GROUP) [--data DIR]
          candor verify checkpoint|inclusion|consistency … (see below)
          candor verify receipt FILE --key VERIFIER_KEY|WELL_KNOWN.json [--body FILE]
                                [--proof FILE.tlog-proof --log-key LOG_KEY [--origin O] [--witnesses KEY,… [--quorum N]]]
          candor channels add --id ID --provider P --base-url URL [--credential-env VAR | --credential-stdin]
                              [--region R] [--retention none|limited|retains] [--training never|opt_out|yes]
                              [--api-version V] [--headers NAME=VALUE,…] [--header-env NAME=VAR,…]
                              [--connect-timeout-ms N]
                              [--first-byte-timeout-ms N] [--idle-timeout-ms N]
                              [--deploy MODEL[=UPSTREAM],…] [--priority N] [--weight N] [--data DIR]
          candor channels update --id ID [the options of add] [--clear-credential] [--data DIR]
          candor channels list|remove|enable [--id ID] [--data DIR]
          candor channels disable --id ID [--reason TEXT] [--data DIR]
          candor channels test --id ID [--model UPSTREAM_MODEL] [--data DIR]
          candor deployments add --model M --channel ID --upstream U [--priority N] [--weight N] [--data DIR]
          candor deployments list [--model M] [--data DIR]
          candor deployments remove --id DEPLOYMENT_ID [--data DIR]
          candor privacy get --account ID [--key KEY_ID] [--data DIR]
          candor privacy set --account ID [--key KEY_ID] [--redaction TYPE=ACTION,…|none]
                             [--regions cn,us|any] [--zero-retention true|false] [--never-train true|false] [--data DIR]
          candor master-key rotate [--data DIR]
          candor console invite --principal NAME [--operator] [--account ID [--role member]] [--url https://relay.example] [--data DIR]
        """ + "\n" + ImportCommand.Usage + "\n" + CodeCommands.Usage + "\n" + """
          candor config check [FILE]
          candor probe [--url http://127.0.0.1:8080/livez]
          candor version
          candor help

        Every command refuses options it does not take and options given twice (exit 2, naming them).

        config check
                  Validate a configuration file (default candor.yaml) as serve would load it; print every
                  error with its line and column (exit 1), or a summary (exit 0). docs/configuration.md.
        probe     GET a health endpoint; exit 0 when it answers 2xx (container health checks: the image has no curl).
        version   The version and the commit the binary was built from.
        serve     Start the relay. --config defaults to candor.yaml; --urls to http://127.0.0.1:8080.
                  --demo starts in-process emulated upstreams and the models demo-gpt, demo-claude,
                  demo-gemini, demo-reasoner and demo-embedding; the key is CANDOR_DEMO_KEY
                  (generated and printed when unset); it takes neither --data nor --config.
                  --tls-cert/--tls-key serve https addresses from PEM files, reloaded when they change
                  (or server.tls in the file; docs/operations.md).
        init      Create the data directory (--data, else CANDOR_DATA, else ./data): the server secret,
                  the database and the platform operator key, printed once. No default password exists.
        migrate   Bring the store's schema up to date and report what was applied: SQLite in the data directory, or
                  PostgreSQL with --postgres (else CANDOR_POSTGRES; the password in CANDOR_POSTGRES_PASSWORD).
                  Every other command also uses PostgreSQL when CANDOR_POSTGRES is set. docs/scale-out.md.
        copy      Move the data directory's SQLite store into a new PostgreSQL database (or another data
                  directory's SQLite): every table in one transaction, committed only when each table's row count
                  and checksum read back equal; a target holding any row is refused. Stop the server first.
        accounts, keys, topup
                  Manage accounts, API keys (printed once at creation, stored only as keyed hashes) and
                  balances (exact micro-USD) in the data directory. Output is one JSON object per line.
        prices    The effective prices (shipped < --file < stored overrides) with each one's source; set and
                  unset store overrides (USD per million tokens) and group multipliers in the data directory.
                  A running server applies them within a second.
        verify receipt
                  Check a saved receipt's signature offline (and, with --body, that a saved response body
                  is the one the receipt describes; with --proof, that it is in the transparency log under a
                  checkpoint cosigned by a quorum of --witnesses). Exit 0 when every check passes, 1 when one fails.
        verify    Offline checks of the transparency log (docs/transparency.md); exit 0 when verified, 1 when not:
        channels, deployments
                  Stored channels (credentials sealed under the master key, never printed) and the public
                  models they serve; a running server applies a change within a second.
        privacy   The stored privacy policy of an account or one of its keys: redaction actions per entity type
                  (secret, email, cn_id, cn_uscc, bank_card, phone, ip, passport, default; allow, mask,
                  pseudonymize, block) and routing requirements. They only narrow the server's policy, and a
                  key's only narrows its account's. A running server applies a change within 5 seconds.
        console invite
                  Print a single-use link (valid 7 days, shown once, stored only as a hash) with which NAME sets a
                  web-console password at /console; --operator makes NAME a platform operator. A member sees the
                  accounts NAME is a member of (admin API: PUT /admin/v1/accounts/ID/members/NAME); --account ID
                  [--role owner|admin|member|viewer] makes accepting the link join that account. docs/console.md.
        master-key rotate
                  Add a master key, re-seal every stored credential and history data key under it in one transaction, retire
                  the old key (with CANDOR_MASTER_KEY: re-seal under its highest id).
        import    Move a one-api or new-api database in (a SQLite file, or a MySQL or PostgreSQL DSN), in one transaction;
                  a rerun imports nothing twice, --dry-run prints the plan and every row it cannot map (docs/migrate.md).
        codes     Redemption code batches: printed once, stored as keyed hashes; members redeem with POST /v1/redeem
                  (docs/business.md).
        """ + VerifyCommands.Usage + WitnessCommand.Usage + MonitorCommand.Usage;

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error, CancellationToken.None);

    /// <summary>Runs a command reading <paramref name="environment"/> instead of the process's environment variables
    /// (<see cref="CliEnvironment"/>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        using (CliEnvironment.Use(environment))
        {
            return await RunAsync(args, output, error, cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return args.Length == 0 ? 2 : 0;
        }

        try
        {
            return args[0] switch
            {
                "version" or "--version" => await VersionAsync(output).ConfigureAwait(false),
                "serve" => await ServeAsync(args[1..]).ConfigureAwait(false),
                "config" when args.Length > 1 && args[1] == "check" => await ConfigCheckAsync(args[2..], output, error).ConfigureAwait(false),
                "probe" => await ConfigCommands.ProbeAsync(CliArgs.Parse("probe", args[1..]).Get("--url") ?? "http://127.0.0.1:8080/livez", error, cancellationToken).ConfigureAwait(false),
                "migrate" => await StoreCommands.MigrateAsync(CliArgs.Parse("migrate", args[1..]), output, cancellationToken).ConfigureAwait(false),
                "copy" => await StoreCommands.CopyAsync(CliArgs.Parse("copy", args[1..]), output, error, cancellationToken).ConfigureAwait(false),
                "init" => await AdminCommands.InitAsync(CliArgs.Parse("init", args[1..]), output, cancellationToken).ConfigureAwait(false),
                "accounts" when args.Length > 1 => await AdminCommands.AccountsAsync(args[1], CliArgs.Parse($"accounts {args[1]}", args[2..]), output, cancellationToken).ConfigureAwait(false),
                "keys" when args.Length > 1 => await AdminCommands.KeysAsync(args[1], CliArgs.Parse($"keys {args[1]}", args[2..]), output, cancellationToken).ConfigureAwait(false),
                "topup" => await AdminCommands.TopUpAsync(CliArgs.Parse("topup", args[1..]), output, cancellationToken).ConfigureAwait(false),
                "usage" => await AdminCommands.UsageAsync(CliArgs.Parse("usage", args[1..]), output, cancellationToken).ConfigureAwait(false),
                "prices" when args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) =>
                    await AdminCommands.PricesAsync(args[1], CliArgs.Parse($"prices {args[1]}", args[2..]), output, cancellationToken).ConfigureAwait(false),
                "prices" => await AdminCommands.PricesAsync("list", CliArgs.Parse("prices list", args[1..]), output, cancellationToken).ConfigureAwait(false),
                "verify" when args.Length > 2 && args[1] == "receipt" && !args[2].StartsWith("--", StringComparison.Ordinal) =>
                    await VerifyReceiptCommand.RunAsync(args[2], CliArgs.Parse("verify receipt", args[3..]), output, cancellationToken).ConfigureAwait(false),
                "verify" when args.Length > 1 && args[1] == "receipt" => throw new ArgumentException("verify receipt takes the receipt FILE before its options"),
                "verify" when args.Length > 1 => await VerifyCommands.RunAsync(args[1], CliArgs.Parse($"verify {args[1]}", args[2..]), output, cancellationToken).ConfigureAwait(false),
                "witness" => await WitnessCommand.RunAsync(CliArgs.Parse("witness", args[1..]), output, cancellationToken).ConfigureAwait(false),
                "monitor" when args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) =>
                    await MonitorCommand.RunAsync(args[1], CliArgs.Parse("monitor", args[2..]), output, cancellationToken).ConfigureAwait(false),
                "monitor" => throw new ArgumentException("monitor takes the log's URL prefix before its options"),
                "channels" when args.Length > 1 => await ChannelCommands.ChannelsAsync(args[1], args[2..], output, cancellationToken).ConfigureAwait(false),
                "deployments" when args.Length > 1 => await ChannelCommands.DeploymentsAsync(args[1], args[2..], output, cancellationToken).ConfigureAwait(false),
                "privacy" when args.Length > 1 => await PrivacyCommands.RunAsync(args[1], CliArgs.Parse($"privacy {args[1]}", args[2..]), output, cancellationToken).ConfigureAwait(false),
                "import" when args.Length > 1 => await ImportCommand.RunAsync(args[1], CliArgs.Parse($"import {args[1]}", args[2..]), output, cancellationToken).ConfigureAwait(false),
                "codes" when args.Length > 1 => await CodeCommands.RunAsync(args[1], CliArgs.Parse($"codes {args[1]}", args[2..]), output, cancellationToken).ConfigureAwait(false),
                "console" when args.Length > 1 => await WebConsole.ConsoleCommands.RunAsync(args[1], CliArgs.Parse($"console {args[1]}", args[2..]), output, cancellationToken).ConfigureAwait(false),
                "master-key" when args.Length > 1 => await ChannelCommands.MasterKeyAsync(args[1], args[2..], output, CliEnvironment.Get, cancellationToken).ConfigureAwait(false),
                _ => throw new ArgumentException($"unknown command '{string.Join(' ', args.Take(2))}'. Try 'candor help'."),
            };
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or Candor.Core.Configuration.ConfigException)
        {
            await error.WriteLineAsync($"candor: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (Admin.AdminInputException e)
        {
            await error.WriteLineAsync($"candor: {e.Field}: {e.Message}").ConfigureAwait(false);
            return 2;
        }
    }

    /// <summary>The options of <c>candor serve</c>. Demo mode runs on its own emulated upstreams and keeps nothing, so
    /// it refuses the options it would otherwise ignore (--data, --config).</summary>
    internal static ServeOptions ParseServe(CliArgs args)
    {
        var options = new ServeOptions
        {
            Demo = args.Has("--demo"),
            Watch = !args.Has("--no-watch"),
            DataDirectory = args.Get("--data"),
            TlsCertificateFile = args.Get("--tls-cert"),
            TlsKeyFile = args.Get("--tls-key"),
        };
        if (options.Demo && (args.Get("--data") is not null || args.Get("--config") is not null))
        {
            throw new ArgumentException("--demo keeps no data directory and reads no configuration file; leave out --data and --config, or --demo");
        }

        if ((options.TlsCertificateFile is null) != (options.TlsKeyFile is null))
        {
            throw new ArgumentException("--tls-cert and --tls-key go together");
        }

        options.ConfigPath = args.Get("--config") ?? options.ConfigPath;
        options.Urls = args.Get("--urls") ?? options.Urls;
        if (args.Get("--log-level") is { } level)
        {
            options.LogLevel = Enum.TryParse<LogLevel>(level, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
                ? parsed
                : throw new ArgumentException($"--log-level must be one of {string.Join(", ", Enum.GetNames<LogLevel>())}");
        }

        return options;
    }

    /// <summary>Writes every configuration error, one per line, so that a file with several is fixed in one pass.</summary>
    internal static async Task ReportAsync(ConfigException e, TextWriter error)
    {
        if (e.Errors.Count == 1)
        {
            await error.WriteLineAsync($"candor: invalid configuration: {e.Message}").ConfigureAwait(false);
            return;
        }

        await error.WriteLineAsync($"candor: invalid configuration ({e.Errors.Count} errors):").ConfigureAwait(false);
        foreach (string line in e.Errors)
        {
            await error.WriteLineAsync("  " + line).ConfigureAwait(false);
        }
    }

    private static async Task<int> VersionAsync(TextWriter output)
    {
        await output.WriteLineAsync(Operations.CandorVersion.Describe()).ConfigureAwait(false);
        return 0;
    }

    /// <summary><c>config check [FILE]</c> (default candor.yaml).</summary>
    private static Task<int> ConfigCheckAsync(string[] args, TextWriter output, TextWriter error)
    {
        bool named = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal);
        _ = CliArgs.Parse("config check", named ? args[1..] : args);
        return ConfigCommands.CheckAsync(named ? args[0] : "candor.yaml", output, error, CliEnvironment.Get);
    }

    private static async Task<int> ServeAsync(string[] args)
    {
        // On one CPU the runtime's JIT warm-up takes about a minute under load and its GC budget fits a whole L3 cache
        // unless these are set (returns at once elsewhere).
        OneCpuRuntime.ReexecuteIfNeeded();
        ServeOptions options;
        try
        {
            options = ParseServe(CliArgs.Parse("serve", args));
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"candor serve: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        if (!options.Demo && !File.Exists(options.ConfigPath))
        {
            await Console.Error.WriteLineAsync(ConfigCommands.HowToStart(options.ConfigPath)).ConfigureAwait(false);
            return 1;
        }

        WebApplication app;
        try
        {
            app = await CandorServer.BuildAsync(options, Console.Out).ConfigureAwait(false);
        }
        catch (ConfigException e)
        {
            await ReportAsync(e, Console.Error).ConfigureAwait(false);
            return 1;
        }

        await using (app.ConfigureAwait(false))
        {
            await app.StartAsync().ConfigureAwait(false); // prints where it listens (CandorServer)
            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }

        return 0;
    }
}
