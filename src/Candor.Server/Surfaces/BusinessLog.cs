namespace Candor.Server.Surfaces;

/// <summary>Log messages of redemption codes and imports, event ids 2900–2949. None carries a code, a key or a
/// credential: ids, amounts and counts only.</summary>
internal static partial class BusinessLog
{
    [LoggerMessage(2900, LogLevel.Information, "Redemption code {CodeId} redeemed by account {AccountId} for {AmountMicros} micro-USD (ledger entry {EntryId})")]
    public static partial void CodeRedeemed(this ILogger logger, string codeId, string accountId, long amountMicros, string entryId);

    [LoggerMessage(2901, LogLevel.Warning, "Redemption attempts from key {KeyId} refused for {RetryAfterSeconds} s: too many unknown codes from the key or its address")]
    public static partial void RedeemThrottled(this ILogger logger, string keyId, int retryAfterSeconds);

    [LoggerMessage(2902, LogLevel.Information, "Redemption batch {BatchId} created: {Count} codes of {AmountMicros} micro-USD")]
    public static partial void BatchCreated(this ILogger logger, string batchId, int count, long amountMicros);
}
