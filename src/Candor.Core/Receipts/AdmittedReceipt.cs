namespace Candor.Core.Receipts;

/// <summary>What a request's receipt states at admission, kept in its admission record so that a crash before the
/// settlement still leaves the receipt its client was promised (the id in <c>x-candor-receipt</c>): recovery seals it
/// with outcome <c>interrupted</c> (<see cref="ReceiptService.SealInterrupted"/>). Holds no user content.</summary>
/// <param name="ReceiptId">The receipt id sent to the client.</param>
/// <param name="RequestId">Candor's request id (the admission record's key).</param>
/// <param name="OwnerId">Who may read the receipt (<c>key:ID</c>).</param>
/// <param name="AccountId">The key's account.</param>
/// <param name="Pseudonym">The pseudonymous key id printed on the receipt.</param>
/// <param name="Surface">The client surface.</param>
/// <param name="Kind">The receipt kind (<see cref="ReceiptKind"/>).</param>
/// <param name="RequestedModel">The requested public model.</param>
/// <param name="RequestSha256">SHA-256 of the client's body as received.</param>
/// <param name="RequestBytes">Length of the client's body.</param>
/// <param name="CountedInput">Candor's prompt count.</param>
/// <param name="StartedAt">When the request was admitted.</param>
internal sealed record AdmittedReceipt(string ReceiptId, string RequestId, string OwnerId, string? AccountId, string Pseudonym, string Surface,
    string Kind, string RequestedModel, byte[] RequestSha256, int RequestBytes, int CountedInput, DateTimeOffset StartedAt)
{
    /// <summary>What <paramref name="draft"/> states at admission, for the request admitted at <paramref name="startedAt"/>.</summary>
    public static AdmittedReceipt Of(ReceiptDraft draft, string requestedModel, int countedInput, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return new(draft.Id, draft.RequestId, draft.OwnerId, draft.AccountId, draft.Pseudonym, draft.Surface, draft.Kind,
            requestedModel, draft.RequestSha256, draft.RequestBytes, countedInput, startedAt);
    }
}
