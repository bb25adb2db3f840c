using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Protocols.Canonical;

namespace Candor.Core.Relay;

/// <summary>What one billed request has used so far: the usage the upstream reported (merged), the model it
/// said served, the channel and upstream model of the attempt that answered, Candor's own prompt count and
/// its incremental count of the output the client received. Holds the money reservation and the rate-limit
/// lease until it settles, exactly once (<see cref="SettleAsync(StreamOutcome)"/>).</summary>
internal sealed class RequestMeter
{
    private readonly BillingGate _gate;
    private Task<long>? _settlement;

    internal RequestMeter(
        BillingGate gate, RelayContext context, ApiKeyRecord key, string requestedModel, int promptCount, ChoiceOutputCounter output,
        BillingBook.Reservation reservation, RateLease lease, PriceTable prices, PriceMultiplier multiplier)
    {
        _gate = gate;
        Context = context;
        Key = key;
        RequestedModel = requestedModel;
        PromptCount = promptCount;
        Output = output;
        Reservation = reservation;
        Lease = lease;
        Prices = prices;
        Multiplier = multiplier;
        StartedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>The request.</summary>
    public RelayContext Context { get; }

    /// <summary>The stored key that is charged.</summary>
    public ApiKeyRecord Key { get; }

    /// <summary>The public model the client asked for.</summary>
    public string RequestedModel { get; }

    /// <summary>Candor's own prompt count.</summary>
    public int PromptCount { get; }

    /// <summary>Candor's count of the output delivered to the client, over every choice.</summary>
    public ChoiceOutputCounter Output { get; }

    /// <summary>The money held for the request: the most it can be charged.</summary>
    public BillingBook.Reservation Reservation { get; }

    internal RateLease Lease { get; }

    /// <summary>The price table the request was admitted with; it settles at the same prices.</summary>
    internal PriceTable Prices { get; }

    internal PriceMultiplier Multiplier { get; }

    /// <summary>When the request started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>The upstream model of the current (last) attempt.</summary>
    public string? UpstreamModel { get; set; }

    /// <summary>The channel of the current (last) attempt.</summary>
    public string? ChannelId { get; set; }

    /// <summary>A media request's units (images, audio, characters, search units); null for token-priced requests. The
    /// relay sets its billed quantity from the answer; settlement prices it instead of tokens (docs/endpoints.md).</summary>
    public MediaUsage? Media { get; init; }

    /// <summary>The usage the upstream reported, merged over the stream; null when none arrived.</summary>
    public Usage? Reported { get; private set; }

    /// <summary>The model the upstream said answered.</summary>
    public string? ServedModel { get; private set; }

    /// <summary>True once the upstream has produced its first event (a whole body counts): from then on the
    /// request is no longer free when it ends early.</summary>
    public bool Accepted { get; set; }

    /// <summary>The billing decision of the settlement (figures billed, their sources and discrepancies); null until settled.</summary>
    public BillingDecision? Decision { get; internal set; }

    /// <summary>The price applied at settlement; null when nothing was charged.</summary>
    public ModelPrice? Price { get; internal set; }

    /// <summary>True once the settlement's usage record (and charge) committed; false before, and after a settlement
    /// whose write failed (the answer is then withheld: docs/fail-closed.md).</summary>
    public bool Recorded { get; internal set; }

    /// <summary>True once settled.</summary>
    public bool Settled => _settlement is not null;

    /// <summary>What the settlement charged, in micros, once it completed; null before.</summary>
    public long? Charge => _settlement is { IsCompletedSuccessfully: true } settled ? settled.Result : null;

    /// <summary>Notes an event the client received (or, for a whole response, will receive).</summary>
    public void Observe(ChatEvent ev)
    {
        Context.History?.Observe(ev);
        switch (ev)
        {
            case UsageReported u:
                Reported = Usage.Merge(Reported, u.Usage);
                break;
            case ResponseStarted { Model: { } model }:
                ServedModel = model;
                break;
            case TextDelta t:
                Output.Append(t.Choice, t.Text);
                break;
            case ThinkingDelta th:
                Output.Append(th.Choice, th.Text);
                break;
            case ToolCallArgumentsDelta a:
                Output.Append(a.Choice, a.Fragment);
                break;
        }
    }

    /// <summary>Notes that the request's answer is withheld although its settlement committed (its receipt, stored on its
    /// own, could not be): this node's recovery of withheld requests refunds the charge (docs/fail-closed.md).</summary>
    internal void Withhold() => _gate.Withhold(this);

    /// <summary>Settles once with <paramref name="outcome"/>; later calls return the first settlement's charge.</summary>
    public Task<long> SettleAsync(StreamOutcome outcome) => SettleAsync(outcome, null);

    /// <summary>Settles once (as <see cref="SettleAsync(StreamOutcome)"/>); when this call settles, <paramref name="seal"/>
    /// signs the request's receipt with the decided charge (its task completes once it is signed) and the receipt is stored in the settlement's transaction
    /// (<see cref="BillingGate.SettleAsync"/>). A later call returns the first settlement's charge and seals nothing.</summary>
    internal Task<long> SettleAsync(StreamOutcome outcome, Func<long, Task<Receipts.StoredReceipt>>? seal)
    {
        var mine = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var existing = Interlocked.CompareExchange(ref _settlement, mine.Task, null);
        if (existing is not null)
        {
            return existing;
        }

        _ = RunAsync(mine, outcome, seal);
        return mine.Task;
    }

    private async Task RunAsync(TaskCompletionSource<long> done, StreamOutcome outcome, Func<long, Task<Receipts.StoredReceipt>>? seal)
    {
        try
        {
            done.SetResult(await _gate.SettleAsync(this, outcome, seal).ConfigureAwait(false));
        }
#pragma warning disable CA1031 // Handed to the awaiting caller.
        catch (Exception e)
#pragma warning restore CA1031
        {
            done.SetException(e);
        }
        finally
        {
            // Opt-in history is handed to its background writer only now, and never waited for.
            Context.History?.Complete(outcome);
        }
    }
}
