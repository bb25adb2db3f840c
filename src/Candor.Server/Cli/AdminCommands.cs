using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Server.Admin;
using Candor.Storage;

namespace Candor.Server.Cli;

/// <summary>Operator commands that work on the data directory directly (single node): init, accounts,
/// keys, top-ups. Key values are printed once, at creation, and never again.</summary>
internal static class AdminCommands
{
    /// <summary>Keys read per store page by <c>candor keys list</c>.</summary>
    internal const int KeyPage = 100;

    public static async Task<int> InitAsync(CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        var result = await StoreBootstrap.InitializeAsync(DataDirectory.Resolve(args.Get("--data")), PostgresEnvironment.Connection(CliEnvironment.Get),
            CliEnvironment.Get(PostgresEnvironment.PasswordVariable), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        using var store = result.Store;
        await output.WriteLineAsync($"Data directory: {result.DataDirectory}").ConfigureAwait(false);
        if (result.OperatorKey is { } key)
        {
            await output.WriteLineAsync("Operator key (shown once; store it safely):").ConfigureAwait(false);
            await output.WriteLineAsync(key.PlaintextKey).ConfigureAwait(false);
        }
        else
        {
            await output.WriteLineAsync("An operator key already exists; none was created.").ConfigureAwait(false);
        }

        return 0;
    }

    public static async Task<int> AccountsAsync(string verb, CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        using var store = await OpenAsync(args, cancellationToken).ConfigureAwait(false);
        switch (verb)
        {
            case "create":
                var account = await store.CreateAccountAsync(args.Require("--name"), args.Get("--group") ?? "default", cancellationToken).ConfigureAwait(false);
                await WriteJsonAsync(output, w => AdminJson.Account(w, account, balanceMicros: 0)).ConfigureAwait(false);
                return 0;
            case "list":
                string? cursor = null;
                do
                {
                    var page = await store.ListAccountsAsync(100, cursor, cancellationToken).ConfigureAwait(false);
                    foreach (var a in page.Items)
                    {
                        long balance = await store.GetBalanceAsync(a.Id, cancellationToken).ConfigureAwait(false) ?? 0;
                        await WriteJsonAsync(output, w => AdminJson.Account(w, a, balance)).ConfigureAwait(false);
                    }

                    cursor = page.NextCursor;
                }
                while (cursor is not null);
                return 0;
            default:
                throw new ArgumentException($"unknown verb 'accounts {verb}' (create, list)");
        }
    }

    public static async Task<int> KeysAsync(string verb, CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        using var store = await OpenAsync(args, cancellationToken).ConfigureAwait(false);
        string accountId = args.Require("--account");
        switch (verb)
        {
            case "create":
                var limits = new ApiKeyLimits
                {
                    AllowedModels = args.List("--models"),
                    AllowedCidrs = args.List("--cidrs"),
                    RpmLimit = args.Int("--rpm"),
                    TpmLimit = args.Int("--tpm"),
                    ConcurrencyLimit = args.Int("--concurrency"),
                    BudgetMicros = args.Usd("--budget"),
                    ExpiresAt = args.Get("--expires") is { } e
                        ? DateTimeOffset.Parse(e, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal)
                        : null,
                };
                if (limits.Validate() is { } problem)
                {
                    throw new ArgumentException(problem);
                }

                var created = await store.CreateKeyAsync(accountId, args.Require("--name"), limits, isOperator: false, cancellationToken).ConfigureAwait(false)
                    ?? throw new ArgumentException($"no account '{accountId}'");
                await WriteJsonAsync(output, w => AdminJson.CreatedKey(w, created.Record, created.PlaintextKey)).ConfigureAwait(false);
                return 0;
            case "list":
                // Page by page (newest first), so an account with many keys never sits in memory at once.
                string? cursor = null;
                do
                {
                    var page = await store.ListKeysPageAsync(accountId, owner: null, KeyPage, cursor, cancellationToken).ConfigureAwait(false);
                    foreach (var key in page.Items)
                    {
                        await WriteJsonAsync(output, w => AdminJson.Key(w, key)).ConfigureAwait(false);
                    }

                    cursor = page.NextCursor;
                }
                while (cursor is not null);

                return 0;
            case "revoke":
                string keyId = args.Require("--key");
                if (!await store.RevokeAsync(accountId, keyId, cancellationToken).ConfigureAwait(false))
                {
                    throw new ArgumentException($"no active key '{keyId}' in account '{accountId}'");
                }

                await output.WriteLineAsync($"revoked {keyId}").ConfigureAwait(false);
                return 0;
            default:
                throw new ArgumentException($"unknown verb 'keys {verb}' (create, list, revoke)");
        }
    }

    public static async Task<int> TopUpAsync(CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        using var store = await OpenAsync(args, cancellationToken).ConfigureAwait(false);
        string accountId = args.Require("--account");
        long amount = args.Usd("--amount") ?? throw new ArgumentException("--amount is required");
        var entry = await store.TopUpAsync(accountId, amount, args.Get("--note") ?? "top-up", cancellationToken).ConfigureAwait(false)
            ?? throw new ArgumentException($"no account '{accountId}'");
        long balance = await store.GetBalanceAsync(accountId, cancellationToken).ConfigureAwait(false) ?? 0;
        await WriteJsonAsync(output, w => AdminJson.TopUp(w, entry, balance)).ConfigureAwait(false);
        return 0;
    }

    /// <summary>`candor usage`: an account's usage records, newest first, one JSON object per line.</summary>
    public static async Task<int> UsageAsync(CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        using var store = await OpenAsync(args, cancellationToken).ConfigureAwait(false);
        string accountId = args.Require("--account");
        int limit = args.Int("--limit") ?? 50;
        var page = await store.ListUsageAsync(accountId, args.Get("--key"), Math.Min(limit, 1000), null, cancellationToken).ConfigureAwait(false);
        foreach (var u in page.Items)
        {
            await WriteJsonAsync(output, w => AdminJson.Usage(w, u)).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>`candor prices [list|set|unset]`. <c>list</c> (the default) prints the effective prices, one JSON
    /// object per line in the admin API's shape: the shipped defaults, the files given with --file (as
    /// <c>server.prices</c>, later winning), and the overrides stored in the data directory when it is initialised.
    /// <c>set</c> and <c>unset</c> store or delete an override of a model (--model, optionally --channel; figures in
    /// USD per million tokens, --per-request in USD) or a group multiplier (--group, --multiplier); a running
    /// server applies the change within a second.</summary>
    public static async Task<int> PricesAsync(string verb, CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        switch (verb)
        {
            case "list":
                return await ListPricesAsync(args, output, cancellationToken).ConfigureAwait(false);
            case "set":
            {
                using var store = await OpenAsync(args, cancellationToken).ConfigureAwait(false);
                if (args.Get("--group") is { } group)
                {
                    var multiplier = Candor.Core.Accounting.PriceMultiplier.Parse(args.Require("--multiplier"));
                    await store.SetGroupMultiplierAsync(group, multiplier, cancellationToken).ConfigureAwait(false);
                    await WriteJsonAsync(output, w => AdminJson.Group(w, group, multiplier, Candor.Core.Accounting.PriceSource.Override)).ConfigureAwait(false);
                    return 0;
                }

                string model = args.Require("--model");
                string? channel = args.Get("--channel");
                var price = new Candor.Core.Accounting.PriceOverride(model, channel)
                {
                    Input = PerMillion(args, "--input"),
                    Output = PerMillion(args, "--output"),
                    CachedInput = PerMillion(args, "--cached-input"),
                    CacheWrite = PerMillion(args, "--cache-write"),
                    Reasoning = PerMillion(args, "--reasoning"),
                    PerRequest = PerMillion(args, "--per-request"),
                };
                if (price.Validate() is { } problem)
                {
                    throw new ArgumentException(problem.Message.Replace("_per_million_micros", "", StringComparison.Ordinal));
                }

                var book = await LoadBookAsync(args, store, cancellationToken).ConfigureAwait(false);
                if (channel is not null && !book.Current.Models.ContainsKey(model))
                {
                    throw new ArgumentException($"the model '{model}' has no price of its own; set it before a channel's");
                }

                await store.SetPriceAsync(price, cancellationToken).ConfigureAwait(false);
                await book.ReloadAsync(cancellationToken).ConfigureAwait(false);
                var row = book.List().First(r => r.Model == model && r.Channel == channel);
                await WriteJsonAsync(output, w => AdminJson.Price(w, row)).ConfigureAwait(false);
                return 0;
            }

            case "unset":
            {
                using var store = await OpenAsync(args, cancellationToken).ConfigureAwait(false);
                if (args.Get("--group") is { } group)
                {
                    if (!await store.RemoveGroupMultiplierAsync(group, cancellationToken).ConfigureAwait(false))
                    {
                        throw new ArgumentException($"no stored multiplier for group '{group}'");
                    }

                    await output.WriteLineAsync($"unset group {group}").ConfigureAwait(false);
                    return 0;
                }

                string model = args.Require("--model");
                string? channel = args.Get("--channel");
                if (!await store.RemovePriceAsync(model, channel, cancellationToken).ConfigureAwait(false))
                {
                    throw new ArgumentException(channel is null ? $"no stored price for '{model}'" : $"no stored price for '{model}' on channel '{channel}'");
                }

                await output.WriteLineAsync(channel is null ? $"unset {model}" : $"unset {model} on {channel}").ConfigureAwait(false);
                return 0;
            }

            default:
                throw new ArgumentException($"unknown verb 'prices {verb}' (list, set, unset)");
        }
    }

    private static async Task<int> ListPricesAsync(CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        string directory = DataDirectory.Resolve(args.Get("--data"));
        RelationalStore? store = PostgresEnvironment.Connection(CliEnvironment.Get) is not null || File.Exists(Path.Combine(directory, SqliteStore.DatabaseFileName)) ? await OpenAsync(args, cancellationToken).ConfigureAwait(false) : null;
        using (store)
        {
            var book = await LoadBookAsync(args, store, cancellationToken).ConfigureAwait(false);
            string? only = args.Get("--model");
            foreach (var row in book.List())
            {
                if (only is null || string.Equals(only, row.Model, StringComparison.Ordinal))
                {
                    await WriteJsonAsync(output, w => AdminJson.Price(w, row)).ConfigureAwait(false);
                }
            }

            if (only is null)
            {
                foreach (var (group, multiplier, source) in book.ListGroups())
                {
                    await WriteJsonAsync(output, w => AdminJson.Group(w, group, multiplier, source)).ConfigureAwait(false);
                }
            }
        }

        return 0;
    }

    private static async Task<Candor.Core.Accounting.PriceBook> LoadBookAsync(CliArgs args, RelationalStore? store, CancellationToken cancellationToken)
    {
        var book = Candor.Core.Accounting.PriceBook.Load(args.List("--file"), store);
        await book.ReloadAsync(cancellationToken).ConfigureAwait(false);
        return book;
    }

    /// <summary>A USD figure (per million tokens, or per request) as exact micros; null when the option is absent.</summary>
    private static long? PerMillion(CliArgs args, string name)
    {
        if (args.Get(name) is not { } text)
        {
            return null;
        }

        return Candor.Core.Accounting.Micros.TryParse(text, out long micros, out string? error)
            ? micros
            : throw new ArgumentException($"{name}: {error}");
    }

    /// <summary>Opens the store of the data directory: on PostgreSQL when <c>CANDOR_POSTGRES</c> is set (the password in
    /// <c>CANDOR_POSTGRES_PASSWORD</c>), else its <c>candor.db</c>.</summary>
    internal static async Task<RelationalStore> OpenAsync(CliArgs args, CancellationToken cancellationToken)
    {
        string directory = DataDirectory.Resolve(args.Get("--data"));
        bool postgres = PostgresEnvironment.Connection(CliEnvironment.Get) is not null;
        if (postgres ? !Directory.Exists(directory) : !File.Exists(Path.Combine(directory, SqliteStore.DatabaseFileName)))
        {
            throw new ArgumentException($"{directory} is not initialised; run 'candor init' first (it prints the operator key)");
        }

        var hasher = new Candor.Core.Admission.KeyHasher(ServerSecret.LoadOrCreate(directory));
        return postgres
            ? await PostgresEnvironment.OpenAsync(null, hasher, CliEnvironment.Get, cancellationToken).ConfigureAwait(false)
            : await SqliteStore.OpenAsync(directory, hasher, TimeProvider.System, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task WriteJsonAsync(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
    }
}
