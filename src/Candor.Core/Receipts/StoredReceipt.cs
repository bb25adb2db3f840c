namespace Candor.Core.Receipts;

/// <summary>A signed receipt as stored.</summary>
/// <param name="Id">The receipt id.</param>
/// <param name="OwnerId">Who may read it (<c>key:ID</c> or <c>config:NAME</c>).</param>
/// <param name="AccountId">The owner's account (stored keys); any key of the account may read it.</param>
/// <param name="CreatedAt">When it was signed.</param>
/// <param name="Body">The signed receipt: canonical JSON (RFC 8785) bytes, exactly as served.</param>
/// <param name="LeafIndex">Its index in the transparency log once appended.</param>
internal sealed record StoredReceipt(string Id, string OwnerId, string? AccountId, DateTimeOffset CreatedAt, byte[] Body, long? LeafIndex);
