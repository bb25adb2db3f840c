using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Server.Admin;
using Candor.Storage;

namespace Candor.Server.Cli;

/// <summary>Operator commands that work on the data directory directly (single node): init, accounts,
/// keys, top-ups. Key values are printed once, at creation, and never again.</summary>
internal static class AdminCommands
{
    public static async Task<int> InitAsync(CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        var result = await StoreBootstrap.InitializeAsync(DataDirectory.Resolve(args.Get("--data")), TimeProvider.System, cancellationToken).ConfigureAwait(false);
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
                await WriteJsonAsync(output, w =>
                {
                    AdminJson.KeyFields(w, created.Record);
                    w.WriteString("key", created.PlaintextKey);
                    w.WriteString("note", "The key is shown once; it is stored only as a keyed hash.");
                    w.WriteEndObject();
                }).ConfigureAwait(false);
                return 0;
            case "list":
                foreach (var key in await store.ListKeysAsync(accountId, cancellationToken).ConfigureAwait(false))
                {
                    await WriteJsonAsync(output, w => AdminJson.Key(w, key)).ConfigureAwait(false);
                }

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

    /// <summary>`candor prices`: the effective price table (shipped defaults, then the files given with
    /// --file, later winning), per million tokens in micro-USD, one JSON object per line.</summary>
    public static async Task<int> PricesAsync(CliArgs args, TextWriter output)
    {
        var table = Candor.Core.Accounting.PriceFileLoader.LoadLayered(args.List("--file"));
        string? only = args.Get("--model");
        foreach (var (name, entry) in table.Models.OrderBy(static m => m.Key, StringComparer.Ordinal))
        {
            if (only is not null && !string.Equals(only, name, StringComparison.Ordinal))
            {
                continue;
            }

            var p = entry.Price;
            await WriteJsonAsync(output, w =>
            {
                w.WriteStartObject();
                w.WriteString("model", name);
                w.WriteNumber("input_per_million_micros", p.InputPerMillion);
                w.WriteNumber("output_per_million_micros", p.OutputPerMillion);
                w.WriteNumber("cached_input_per_million_micros", p.CachedInputPerMillion);
                w.WriteNumber("cache_write_per_million_micros", p.CacheWritePerMillion);
                w.WriteNumber("reasoning_per_million_micros", p.ReasoningPerMillion);
                w.WriteNumber("per_request_micros", p.PerRequest);
                w.WriteEndObject();
            }).ConfigureAwait(false);
        }

        return 0;
    }

    internal static async Task<SqliteStore> OpenAsync(CliArgs args, CancellationToken cancellationToken)
    {
        string directory = DataDirectory.Resolve(args.Get("--data"));
        if (!File.Exists(Path.Combine(directory, "candor.db")))
        {
            throw new ArgumentException($"{directory} is not initialised; run 'candor init' first (it prints the operator key)");
        }

        var hasher = new Candor.Core.Admission.KeyHasher(ServerSecret.LoadOrCreate(directory));
        return await SqliteStore.OpenAsync(directory, hasher, TimeProvider.System, cancellationToken).ConfigureAwait(false);
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
