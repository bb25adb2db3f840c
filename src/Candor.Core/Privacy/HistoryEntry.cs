namespace Candor.Core.Privacy;

/// <summary>One stored history entry: metadata in clear (ids and times only), the exchange encrypted.</summary>
/// <param name="Id">Entry id, <c>hist_…</c>.</param>
/// <param name="AccountId">The owning account.</param>
/// <param name="DataKeyId">The id of the account data key that encrypted it.</param>
/// <param name="RequestId">The request's id.</param>
/// <param name="CreatedAt">When the request was made.</param>
/// <param name="ExpiresAt">When the entry is purged.</param>
/// <param name="Sealed">nonce (12) | ciphertext | tag (16), AES-256-GCM under the data key.</param>
internal sealed record HistoryEntry(string Id, string AccountId, string DataKeyId, string RequestId, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, byte[] Sealed);
