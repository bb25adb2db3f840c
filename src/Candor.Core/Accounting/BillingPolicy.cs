using Candor.Protocols.Canonical;

namespace Candor.Core.Accounting;

/// <summary>Decides which token figures a request is billed for. Pure: the same inputs give the same
/// decision. The rules, with worked examples, are in docs/billing.md:
/// <list type="number">
/// <item>NotStarted: free. UpstreamFailed with no output delivered: free (the upstream's fault, and the client got nothing).</item>
/// <item>Input: the upstream's figure when reported, else Candor's own count, else 0.
/// Cached and cache-write figures come only from the upstream, clamped to the billed input.</item>
/// <item>Output, Completed: the upstream's figure when reported, else Candor's own count of delivered output.</item>
/// <item>Output, early end (client disconnect, upstream failure): the larger of the reported figure and the own
/// count, since both are lower bounds of what was generated (a report seen before the end is partial).</item>
/// <item>Reasoning: the upstream's figure, clamped to the billed output; hidden reasoning nobody reported is not billed.</item>
/// </list>
/// A negative reported figure is treated as absent. Discrepancies are recorded and flagged against the tolerance;
/// under the default policy they never change the bill. Under <see cref="BillingFigures.LesserOfReportedAndCounted"/>,
/// a completed request's input or output whose discrepancy exceeds the tolerance is billed at the lesser of the
/// reported and the counted figure.</summary>
internal static class BillingPolicy
{
    /// <summary>Decides what to bill.</summary>
    /// <param name="upstreamReported">The usage the upstream reported (merged over the stream), or null when none arrived.</param>
    /// <param name="ownInputCount">Candor's prompt count for the request, when made.</param>
    /// <param name="ownOutputCount">Candor's count of output delivered to the client (text, visible thinking, tool
    /// arguments; see <see cref="StreamingOutputCounter"/>), when made.</param>
    /// <param name="outcome">How the request ended.</param>
    /// <param name="tolerance">The tokenizer family's tolerance for discrepancies.</param>
    /// <param name="figures">What a discrepancy beyond the tolerance bills: the reported figure (default), or the lesser
    /// of reported and counted (<see cref="BillingFigures.LesserOfReportedAndCounted"/>; <see cref="BillingDecision.BilledLesser"/>).</param>
    public static BillingDecision Decide(
        Usage? upstreamReported, int? ownInputCount, int? ownOutputCount, StreamOutcome outcome, MeteringTolerance tolerance,
        BillingFigures figures = BillingFigures.Reported)
    {
        ArgumentNullException.ThrowIfNull(tolerance);
        int? rIn = Valid(upstreamReported?.InputTokens);
        int? rOut = Valid(upstreamReported?.OutputTokens);
        int? rCached = Valid(upstreamReported?.CachedInputTokens);
        int? rWrite = Valid(upstreamReported?.CacheWriteInputTokens);
        int? rReasoning = Valid(upstreamReported?.ReasoningTokens);
        int? ownIn = Valid(ownInputCount);
        int? ownOut = Valid(ownOutputCount);

        var inputDiscrepancy = rIn is { } ri && ownIn is { } oi ? Compare(ri, oi, ri, ri, tolerance) : null;
        TokenDiscrepancy? outputDiscrepancy = null;
        if (outcome == StreamOutcome.Completed && rOut is { } ro && ownOut is { } oo)
        {
            int reasoning = Math.Min(rReasoning ?? 0, ro);
            outputDiscrepancy = Compare(ro, oo, ro - reasoning, ro, tolerance);
        }

        if (outcome == StreamOutcome.NotStarted || (outcome == StreamOutcome.UpstreamFailed && (ownOut ?? 0) == 0))
        {
            return new BillingDecision
            {
                Billed = Zero,
                Basis = BillingBasis.NothingGenerated,
                InputSource = FigureSource.None,
                OutputSource = FigureSource.None,
                InputDiscrepancy = inputDiscrepancy,
            };
        }

        (int input, FigureSource inputSource) = rIn is { } a ? (a, FigureSource.Upstream)
            : ownIn is { } b ? (b, FigureSource.Own)
            : (0, FigureSource.None);
        bool lesser = false;
        if (figures == BillingFigures.LesserOfReportedAndCounted && inputDiscrepancy is { ExceedsTolerance: true } && ownIn is { } countedIn && countedIn < input)
        {
            (input, inputSource, lesser) = (countedIn, FigureSource.Own, true);
        }

        int output;
        FigureSource outputSource;
        if (outcome == StreamOutcome.Completed)
        {
            (output, outputSource) = rOut is { } c ? (c, FigureSource.Upstream)
                : ownOut is { } d ? (d, FigureSource.Own)
                : (0, FigureSource.None);

            // The counted figure of a report that includes hidden reasoning is the own count plus that reasoning.
            if (figures == BillingFigures.LesserOfReportedAndCounted && outputDiscrepancy is { ExceedsTolerance: true } && ownOut is { } countedOut
                && (long)countedOut + Math.Min(rReasoning ?? 0, output) < output)
            {
                (output, outputSource, lesser) = (countedOut + Math.Min(rReasoning ?? 0, output), FigureSource.Own, true);
            }
        }
        else if (rOut is { } e && (ownOut is not { } f || e >= f))
        {
            (output, outputSource) = (e, FigureSource.Upstream);
        }
        else
        {
            (output, outputSource) = ownOut is { } g ? (g, FigureSource.Own) : (0, FigureSource.None);
        }

        int cached = Math.Min(rCached ?? 0, input);
        int write = Math.Min(rWrite ?? 0, input - cached);
        return new BillingDecision
        {
            Billed = new Usage
            {
                InputTokens = input,
                CachedInputTokens = cached,
                CacheWriteInputTokens = write,
                OutputTokens = output,
                ReasoningTokens = Math.Min(rReasoning ?? 0, output),
                TotalTokens = (int)Math.Min((long)input + output, int.MaxValue),
            },
            Basis = outcome == StreamOutcome.Completed ? BillingBasis.Completed : BillingBasis.EarlyEnd,
            InputSource = inputSource,
            OutputSource = outputSource,
            InputDiscrepancy = inputDiscrepancy,
            OutputDiscrepancy = outputDiscrepancy,
            BilledLesser = lesser,
        };
    }

    private static Usage Zero { get; } = new()
    {
        InputTokens = 0,
        CachedInputTokens = 0,
        CacheWriteInputTokens = 0,
        OutputTokens = 0,
        ReasoningTokens = 0,
        TotalTokens = 0,
    };

    private static int? Valid(int? value) => value is >= 0 ? value : null;

    /// <summary>Compares <paramref name="own"/> with a reported figure whose true counterpart lies in [low, high].</summary>
    private static TokenDiscrepancy Compare(int reported, int own, int low, int high, MeteringTolerance tolerance)
    {
        long unexplained = own < low ? (long)low - own : own > high ? (long)high - own : 0;
        return new TokenDiscrepancy(reported, own, (long)reported - own, unexplained, tolerance.IsExceeded(unexplained, own));
    }
}
