using System.Globalization;
using Candor.Core.Accounting;
using Candor.Core.Import;
using Candor.Storage;
using Candor.Storage.Import;

namespace Candor.Server.Cli;

/// <summary><c>candor import one-api|new-api --from SOURCE</c>: moves users, tokens, channels, prices and unused
/// redemption codes from a one-api or new-api database (a SQLite file, or a MySQL/MariaDB or PostgreSQL DSN) into the data directory, in one transaction, through
/// <see cref="IImportStore"/>; <c>--dry-run</c> prints the plan and writes nothing. A rerun imports nothing twice.
/// Prints what is (or would be) imported and every row left out or kept in part, with the reason. docs/migrate.md.</summary>
internal static class ImportCommand
{
    public const string Usage = """
          candor import one-api|new-api --from SOURCE.db|MYSQL_DSN|POSTGRES_DSN [--dry-run] [--quota-per-usd N] [--source LABEL] [--data DIR]
        """;

    public static async Task<int> RunAsync(string flavorName, CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        var flavor = flavorName switch
        {
            "one-api" => ImportFlavor.OneApi,
            "new-api" => ImportFlavor.NewApi,
            _ => throw new ArgumentException($"unknown source '{flavorName}' (one-api, new-api)"),
        };
        // A SQLite file, or the platform's own SQL_DSN for MySQL/MariaDB or PostgreSQL (SourceLocation).
        var location = SourceLocation.Parse(args.Require("--from"), CliEnvironment.Get);
        var source = await OneApiReader.ReadAsync(location, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"read {location.Description}").ConfigureAwait(false);
        decimal quotaPerUsd = QuotaPerUsd(args, source);
        using var store = await AdminCommands.OpenAsync(args, cancellationToken).ConfigureAwait(false);
        string directory = DataDirectory.Resolve(args.Get("--data"));
        var settings = new ImportSettings
        {
            Flavor = flavor,
            Source = args.Get("--source") ?? flavorName,
            QuotaPerUsd = quotaPerUsd,
            Now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
        };
        var hasher = new Core.Admission.KeyHasher(ServerSecret.LoadOrCreate(directory));
        var ring = source.Channels.Count > 0 ? MasterKeyFile.LoadOrCreate(directory) : null;
        var imported = await store.GetImportedAsync(settings.Source, cancellationToken).ConfigureAwait(false);
        var plan = new ImportMapper(settings, hasher, ring).Map(source, imported);

        bool dryRun = args.Has("--dry-run");
        await WritePlanAsync(output, plan, dryRun).ConfigureAwait(false);
        if (dryRun)
        {
            await output.WriteLineAsync("dry run: nothing was written.").ConfigureAwait(false);
            return 0;
        }

        var result = await store.ApplyAsync(plan, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync("imported in one transaction: " + Counts(result.Imported)).ConfigureAwait(false);
        if (result.Skipped.Count > 0)
        {
            await output.WriteLineAsync("skipped (imported meanwhile by another run): " + Counts(result.Skipped)).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>--quota-per-usd, else the source's own <c>QuotaPerUnit</c> option, else 500,000.</summary>
    private static decimal QuotaPerUsd(CliArgs args, SourceDatabase source)
    {
        string? text = args.Get("--quota-per-usd") ?? source.Options.GetValueOrDefault("QuotaPerUnit");
        if (text is null)
        {
            return ImportSettings.DefaultQuotaPerUsd;
        }

        return decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal value) && value > 0
            ? value
            : throw new ArgumentException($"the quota per USD must be a positive number, not '{text}'");
    }

    private static async Task WritePlanAsync(TextWriter output, ImportPlan plan, bool dryRun)
    {
        string verb = dryRun ? "would import" : "importing";
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"source '{plan.Source}', {plan.QuotaPerUsd} quota = 1 USD (1 quota = {Micros.Format(ImportMapper.QuotaToMicros(1_000_000, plan.QuotaPerUsd))} micro-USD per million quota)")).ConfigureAwait(false);
        foreach (var a in plan.Accounts)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{verb} user {a.SourceId} -> account {a.Account.Id} '{a.Account.Name}' group {a.Account.Group}{(a.Account.Disabled ? " (disabled)" : "")}, owner {a.Owner ?? "-"}, balance {Micros.Format(a.Opening?.AmountMicros ?? 0)} USD")).ConfigureAwait(false);
        }

        foreach (var k in plan.Keys)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{verb} token {k.SourceId} -> key {k.Id} '{k.Name}' ({k.DisplayPrefix}…) budget {(k.Limits.BudgetMicros is { } b ? Micros.Format(b) + " USD" : "unlimited")}{(k.Limits.ExpiresAt is { } e ? ", expires " + e.ToString("O", CultureInfo.InvariantCulture) : "")}")).ConfigureAwait(false);
        }

        foreach (var c in plan.Channels)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{verb} channel {c.SourceId} -> {c.Channel.Id} ({c.Channel.Provider} {c.Channel.BaseUrl}){(c.Channel.Disabled ? " disabled" : "")}: {string.Join(", ", c.Deployments.Select(static d => d.Model == d.UpstreamModel ? d.Model : d.Model + "=" + d.UpstreamModel))} tier {c.Deployments[0].Priority} weight {c.Deployments[0].Weight}")).ConfigureAwait(false);
        }

        foreach (var p in plan.Prices)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{verb} price {p.SourceId}: input {Micros.Format(p.Price.Input ?? 0)}, output {Micros.Format(p.Price.Output ?? 0)} USD per million tokens{(p.Price.PerRequest is > 0 ? ", " + Micros.Format(p.Price.PerRequest.Value) + " USD per request" : "")}")).ConfigureAwait(false);
        }

        foreach (var g in plan.Groups)
        {
            await output.WriteLineAsync($"{verb} group {g.Group}: multiplier {g.Multiplier}").ConfigureAwait(false);
        }

        foreach (var code in plan.Codes)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{verb} redemption code {code.SourceId} -> {code.Code.Id}: {Micros.Format(code.Code.AmountMicros)} USD")).ConfigureAwait(false);
        }

        foreach (var issue in plan.Issues)
        {
            await output.WriteLineAsync($"{(issue.Imported ? "kept in part" : "not imported")}: {issue.Kind} {issue.SourceId}: {issue.Reason}").ConfigureAwait(false);
        }

        if (plan.AlreadyImported.Count > 0)
        {
            await output.WriteLineAsync("already imported by an earlier run: " + Counts(plan.AlreadyImported)).ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"total: {plan.Accounts.Count} accounts ({Micros.Format(plan.Accounts.Sum(static a => a.Opening?.AmountMicros ?? 0))} USD of balances), {plan.Keys.Count} keys, {plan.Channels.Count} channels, {plan.Prices.Count} prices, {plan.Groups.Count} groups, {plan.Codes.Count} codes; {plan.Issues.Count(static i => !i.Imported)} rows not imported")).ConfigureAwait(false);
    }

    private static string Counts(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "nothing" : string.Join(", ", counts.OrderBy(static c => c.Key, StringComparer.Ordinal).Select(static c => $"{c.Value} {c.Key}"));
}
