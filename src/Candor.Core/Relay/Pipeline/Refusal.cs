using Candor.Core.Receipts;
using Candor.Protocols.Canonical;

namespace Candor.Core.Relay.Pipeline;

/// <summary>An admission step's failure value: the error the client gets in its envelope and the outcome its receipt
/// states (<see cref="ReceiptOutcome.Refused"/> for the client's request, <see cref="ReceiptOutcome.Failed"/> when
/// Candor cannot serve it).</summary>
internal readonly record struct Refusal(RelayError Error, string Outcome)
{
    /// <summary>The request was refused (unknown model, policy, limits, balance).</summary>
    public static Refusal Refused(RelayError error) => new(error, ReceiptOutcome.Refused);

    /// <summary>The request is allowed but nothing can serve it.</summary>
    public static Refusal Failed(RelayError error) => new(error, ReceiptOutcome.Failed);
}
