using Candor.Core.Accounts.Redemptions;
using Candor.Server.Admin;

namespace Candor.Server.Cli;

/// <summary><c>candor codes create|list</c>: redemption code batches on the data directory (docs/business.md). The
/// codes are printed once, at creation; <c>list</c> prints a batch's codes without their values, newest first, read
/// a page at a time.</summary>
internal static class CodeCommands
{
    public const string Usage = """
          candor codes create --amount USD --count N [--expires ISO-8601] [--group GROUP] [--account ID] [--note TEXT] [--data DIR]
          candor codes list --batch BATCH_ID [--data DIR]
        """;

    /// <summary>Codes read per page by <c>codes list</c>.</summary>
    public const int PageSize = 100;

    public static async Task<int> RunAsync(string verb, CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        using var store = await AdminCommands.OpenAsync(args, cancellationToken).ConfigureAwait(false);
        switch (verb)
        {
            case "create":
                var spec = new RedemptionBatchSpec
                {
                    AmountMicros = args.Usd("--amount") ?? throw new ArgumentException("--amount is required"),
                    Count = args.Int("--count") ?? throw new ArgumentException("--count is required"),
                    ExpiresAt = args.Get("--expires") is { } e
                        ? DateTimeOffset.Parse(e, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal)
                        : null,
                    Group = args.Get("--group"),
                    AccountId = args.Get("--account"),
                    Note = args.Get("--note") ?? "",
                };
                var created = await store.CreateBatchAsync(spec, cancellationToken).ConfigureAwait(false)
                    ?? throw new ArgumentException($"no account '{spec.AccountId}'");
                await AdminCommands.WriteJsonAsync(output, w => RedemptionEndpoints.Batch(w, created)).ConfigureAwait(false);
                return 0;
            case "list":
                // Page by page, each code written as it is read: a batch of any size lists in bounded memory.
                string batchId = args.Require("--batch");
                string? cursor = null;
                bool any = false;
                do
                {
                    var page = await store.ListBatchPageAsync(batchId, PageSize, cursor, cancellationToken).ConfigureAwait(false);
                    foreach (var code in page.Items)
                    {
                        await AdminCommands.WriteJsonAsync(output, w => RedemptionEndpoints.Code(w, code)).ConfigureAwait(false);
                        any = true;
                    }

                    cursor = page.NextCursor;
                }
                while (cursor is not null);

                return any ? 0 : throw new ArgumentException("no such batch");
            default:
                throw new ArgumentException($"unknown verb 'codes {verb}' (create, list)");
        }
    }
}
