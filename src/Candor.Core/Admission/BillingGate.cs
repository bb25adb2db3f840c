using System.Diagnostics;
using System.Globalization;
using System.Net;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Configuration;
using Candor.Core.Relay;
using Candor.Protocols.Canonical;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Admission;

/// <summary>Admission and settlement for stored keys (present only when Candor has a data directory):
/// resolves keys from the in-memory cache, checks the key's models and client addresses, applies its rate
/// limits, reserves money before forwarding and settles durably after. Configuration keys never come here.</summary>
internal sealed partial class BillingGate(
    ApiKeyCache keys, IRateLimiter limiter, PriceBook prices, TokenCounter counter, TokenEstimator estimator,
    BillingBook book, ILedgerStore ledger, TimeProvider time, ILogger<BillingGate> logger, StoreHealth? health = null,
    Routing.SnapshotHolder? snapshots = null)
{

    /// <summary>The prices in force (the table changes when the operator sets a price; a request keeps the one it was admitted with).</summary>
    public PriceTable Prices => prices.Current;

    /// <summary>The durable ledger (self-service reads).</summary>
    public ILedgerStore Ledger => ledger;

    /// <summary>Resolves a presented key from the cache, from the hash the caller made of it whatever it was (hashing
    /// it again when the cache's secret is another; see <see cref="ApiKeyCache.TryResolve(ReadOnlySpan{char}, KeyHasher, Span{char}, DateTimeOffset, out ApiKeyRecord?)"/>).</summary>
    public bool TryResolve(ReadOnlySpan<char> presented, KeyHasher hashedWith, Span<char> hash, out ApiKeyRecord? key) =>
        keys.TryResolve(presented, hashedWith, hash, time.GetUtcNow(), out key);

    /// <summary>Refuses (403) a client address outside the key's allowed ranges; null when allowed.</summary>
    public static RelayError? CheckAddress(ApiKeyRecord key, IPAddress? remote)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.AllowedCidrs.Count == 0)
        {
            return null;
        }

        if (remote is not null)
        {
            var address = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
            foreach (string cidr in key.AllowedCidrs)
            {
                if (IPNetwork.TryParse(cidr, out var network) && network.Contains(address))
                {
                    return null;
                }
            }
        }

        return new RelayError(RelayStage.Admission, RelayErrorKind.PermissionDenied, 403, "This API key may not be used from this client address.");
    }

    /// <summary>Admits a chat request of a stored key: allowed model, price (fail closed), rate limits (the
    /// <c>x-ratelimit-*</c> headers are set on the response either way) and the money reservation. On success
    /// the returned meter holds the reservation and the rate-limit lease until <see cref="SettleAsync"/>.</summary>
    /// <param name="context">The request.</param>
    /// <param name="key">The stored key.</param>
    /// <param name="request">The request (embeddings pass their inputs as user messages).</param>
    /// <param name="route">The public model's deployments.</param>
    /// <param name="defaultMaxOutputTokens">Output reserved when the client gives no limit.</param>
    /// <param name="producesOutput">False for embeddings: nothing is reserved for output.</param>
    /// <param name="channels">The snapshot's channels: a deployment whose wire sends an output limit of its own (Anthropic's
    /// max_tokens) is reserved for that limit (<see cref="OutputLimit"/>); without them every deployment takes the default.</param>
    public async Task<(RequestMeter? Meter, RelayError? Error)> AdmitAsync(RelayContext context, ApiKeyRecord key, ChatRequest request, ModelRoute route, int defaultMaxOutputTokens, bool producesOutput = true,
        IReadOnlyDictionary<string, Routing.ChannelRuntime>? channels = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(route);
        if (health?.CheckAdmission() is { } storeFailing)
        {
            // Fail closed: a request that could not be recorded is not admitted (docs/fail-closed.md).
            return (null, storeFailing);
        }

        if (CheckModel(key, request.Model) is { } forbidden)
        {
            return (null, forbidden);
        }

        var table = prices.Current;
        var multiplier = table.MultiplierFor(key.AccountGroup);
        string firstUpstream = route.Deployments.Count > 0 ? route.Deployments[0].UpstreamModel : request.Model;
        int prompt = estimator.CountPrompt(request, firstUpstream);
        // The output limit holds per choice (OpenAI bills completion tokens across all n choices, Gemini its
        // candidates' tokens; the prompt is billed once): the reservation covers every choice, on the deployment that
        // can cost the most (its price, and the output limit its wire sends).
        int choices = ChoiceLimit.Of(request);
        int mostOutput = 0;
        long reserve = 0;
        foreach (var deployment in route.Deployments)
        {
            if (FindPrice(table, request.Model, deployment.UpstreamModel, deployment.ChannelId) is not { } price)
            {
                return (null, new RelayError(RelayStage.Admission, RelayErrorKind.PermissionDenied, 403,
                    $"The model '{request.Model}' has no price, so it cannot be billed; ask the operator to price it.") { Param = "model" });
            }

            WireProtocol? wire = channels is not null && channels.TryGetValue(deployment.ChannelId, out var channel) ? channel.Adapter.Protocol : null;
            int perChoice = producesOutput ? OutputLimit.PerChoice(request, wire, defaultMaxOutputTokens) : 0;
            int maxOutput = (int)Math.Min((long)perChoice * choices, int.MaxValue);
            mostOutput = Math.Max(mostOutput, maxOutput);
            reserve = Math.Max(reserve, CostCalculator.EstimateReservation(prompt, maxOutput, price, multiplier));
        }

        int reservedTokens = (int)Math.Min((long)prompt + mostOutput, int.MaxValue);
        return await ReserveAsync(context, key, request.Model, prompt, reservedTokens, reserve, firstUpstream, table, multiplier, null).ConfigureAwait(false);
    }

    /// <summary>The end of every billed admission, once the most the request can cost is known: the key's rate limits for
    /// <paramref name="reservedTokens"/>, the money reserved, the meter, and the durable admission record.</summary>
    private async Task<(RequestMeter? Meter, RelayError? Error)> ReserveAsync(
        RelayContext context, ApiKeyRecord key, string model, int prompt, int reservedTokens, long reserve, string firstUpstream, PriceTable table,
        PriceMultiplier multiplier, MediaUsage? media)
    {
        var (decision, limited) = await AcquireRateAsync(context, key, reservedTokens).ConfigureAwait(false);
        if (limited is not null)
        {
            return (null, limited);
        }

        BillingBook.Reservation? reservation;
        try
        {
            reservation = await book.TryReserveAsync(key, reserve, context.Aborted).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A store that cannot be read is a value: the request is refused with 503 (fail closed).
        catch (Exception e)
#pragma warning restore CA1031
        {
            decision.Lease!.Settle(0);
            if (e is OperationCanceledException && context.Aborted.IsCancellationRequested)
            {
                throw;
            }

            // The balance or the key's spend could not be read (a first request of the account while the store fails).
            logger.SettlementFailed(context.RequestId, e.GetType().Name);
            health?.Failed("admission", e);
            return (null, StoreHealth.Unavailable());
        }

        if (reservation is null)
        {
            decision.Lease!.Settle(0);
            return (null, QuotaExceeded(model));
        }

        var meter = new RequestMeter(this, context, key, model, prompt, counter.CreateChoiceCounter(firstUpstream), reservation, decision.Lease!, table, multiplier)
        {
            UpstreamModel = firstUpstream,
            Media = media,
        };
        if (await RecordAdmissionAsync(meter).ConfigureAwait(false) is { } unrecorded)
        {
            book.Settle(reservation, 0);
            decision.Lease!.Settle(0);
            return (null, unrecorded);
        }

        return (meter, null);
    }

    /// <summary>The 429 of a request whose reservation the balance or the key's budget does not cover.</summary>
    private static RelayError QuotaExceeded(string model)
    {
        CandorMetrics.ReservationFailed(model);
        return new RelayError(RelayStage.Admission, RelayErrorKind.RateLimited, 429,
            "You exceeded your current quota: the account balance or this key's budget does not cover this request's maximum cost.")
        { Code = "insufficient_quota" };
    }

    /// <summary>Admits a token-count request of a stored key (<c>count_tokens</c>, <c>:countTokens</c>): the same allowed
    /// models and rate limits as chat (the request counts in rpm and concurrency, with no tokens), and no money:
    /// counting is free. On success the caller holds the returned lease until the request ends, then settles it with 0.</summary>
    public async ValueTask<(RateLease? Lease, RelayError? Error)> AdmitCountAsync(RelayContext context, ApiKeyRecord key, string model)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(key);
        if (CheckModel(key, model) is { } forbidden)
        {
            return (null, forbidden);
        }

        var (decision, limited) = await AcquireRateAsync(context, key, 0).ConfigureAwait(false);
        return (decision.Lease, limited);
    }

    /// <summary>The store's admission check (503 while it fails; docs/fail-closed.md); null when it works.</summary>
    private RelayError? CheckStore() => health?.CheckAdmission();

    /// <summary>Refuses (403) a model outside the key's allowed list; null when allowed.</summary>
    private static RelayError? CheckModel(ApiKeyRecord key, string model) =>
        key.AllowedModels.Count > 0 && !key.AllowedModels.Contains(model, StringComparer.Ordinal)
            ? new RelayError(RelayStage.Admission, RelayErrorKind.PermissionDenied, 403, $"This API key may not call the model '{model}'.") { Param = "model" }
            : null;

    /// <summary>Applies the key's rate limits for <paramref name="tokens"/> and sets the <c>x-ratelimit-*</c> headers either
    /// way; a refusal is a 429 with Retry-After. The request's slot and its requests-per-minute unit were taken before the
    /// body was read (the lease is a request feature set by the surface, docs/admission-control.md): only the tokens are
    /// taken here, once the prompt is known, on that lease. Without one, all three here.</summary>
    private async ValueTask<(RateDecision Decision, RelayError? Error)> AcquireRateAsync(RelayContext context, ApiKeyRecord key, int tokens)
    {
        var limits = new RateLimits(key.RpmLimit, key.TpmLimit, key.ConcurrencyLimit);
        var held = context.HeldRateLease;
        context.HeldRateLease = null;
        var decision = held is { IsSettled: false }
            ? await limiter.TryReserveTokensAsync(held, limits, tokens, context.Aborted).ConfigureAwait(false)
            : await limiter.TryAcquireAsync(key.Id, limits, tokens, context.Aborted).ConfigureAwait(false);
        RateLimiter.WriteHeaders(context, static (c, name, value) => c.SetHeader(name, value), decision);
        return decision.Allowed ? (decision, null) : (decision, RateLimiter.Refusal(decision));
    }

    /// <summary>Records the admission durably (group-committed), so a crash before settlement still leaves a usage
    /// record (<see cref="UsageOutcome.Interrupted"/>, at the next start). Null when stored; else the 503 the request
    /// gets, fail closed: a request Candor could not record after a crash is not answered.</summary>
    private async Task<RelayError?> RecordAdmissionAsync(RequestMeter meter)
    {
        var admitted = new UsageRecord
        {
            RequestId = meter.Context.RequestId,
            AccountId = meter.Key.AccountId,
            KeyId = meter.Key.Id,
            CreatedAt = meter.StartedAt,
            Surface = meter.Context.SurfaceName,
            RequestedModel = meter.RequestedModel,
            UpstreamModel = meter.UpstreamModel ?? meter.RequestedModel,
            Outcome = UsageOutcome.Interrupted,
            CountedInputTokens = meter.PromptCount,
            BilledSource = BilledSource.None,
            ChargeMicros = 0,
            DurationMs = 0,
        };
        try
        {
            // One deadline for the write (withdrawn from the queue at it) and the wait, shared with the writes of the same
            // quarter second: no timer per write (StoreHealth.Deadline).
            var deadline = StoreHealth.Deadline(time);
            var receipt = meter.Context.Receipt is { } draft ? Receipts.AdmittedReceipt.Of(draft, meter.RequestedModel, meter.PromptCount, meter.StartedAt) : null;
            if (!meter.Reservation.InStore)
            {
                await StoreHealth.WaitForWriteAsync(ledger.RecordAdmissionAsync(admitted, receipt, deadline), deadline).ConfigureAwait(false);
                return null;
            }

            // A store shared by several nodes: the reservation is made atomically with the admission record, against
            // every node's reservations (docs/scale-out.md).
            bool held = await StoreHealth.WaitForWriteAsync(
                ledger.TryReserveAndRecordAdmissionAsync(admitted, receipt, meter.Reservation.Micros, deadline), deadline).ConfigureAwait(false);
            return held ? null : QuotaExceeded(meter.RequestedModel);
        }
#pragma warning disable CA1031 // A failed write is a value: the request is refused with 503.
        catch (Exception e)
#pragma warning restore CA1031
        {
            // The write may still commit (a timeout is not a rollback): recovery records the request interrupted and
            // releases whatever it holds in the store.
            book.Abandon(meter.Context.RequestId, time.GetUtcNow());

            logger.SettlementFailed(meter.Context.RequestId, e.GetType().Name);
            health?.Failed("admission", e);
            return StoreHealth.Unavailable();
        }
    }

    /// <summary>Settles a request: decides the billed figures, prices them, caps the charge at the reservation,
    /// records usage and charge in one durable write (under its own timeout, <see cref="StoreHealth.WriteTimeout"/>, not
    /// the client's), then frees the reservation and refunds unused rate-limit tokens. Returns the charge in micros;
    /// <see cref="RequestMeter.Recorded"/> tells whether the write committed (when it did not, the caller withholds the
    /// answer: docs/fail-closed.md).</summary>
    /// <param name="meter">The request's meter.</param>
    /// <param name="outcome">How the answer ended.</param>
    /// <param name="seal">Signs the request's receipt once the charge is decided (<see cref="RequestMeter.Decision"/> and
    /// <see cref="RequestMeter.Price"/> are set when it runs); the receipt is stored in the same transaction as the usage
    /// record and the charge. Null: the receipt, if any, is stored on its own.</param>
    internal async Task<long> SettleAsync(RequestMeter meter, StreamOutcome outcome, Func<long, Task<Receipts.StoredReceipt>>? seal = null)
    {
        using var span = CandorTracing.StartStage("candor.settle");
        string upstream = meter.UpstreamModel ?? meter.RequestedModel;
        var metering = snapshots?.Current.Config.Metering ?? MeteringSettings.Default;
        var decision = BillingPolicy.Decide(meter.Reported, meter.PromptCount, (int)Math.Min(meter.Output.Count, int.MaxValue), outcome,
            metering.ToleranceFor(upstream), metering.Policy);
        long charge = 0;
        string note = "";
        meter.Decision = decision;
        if (!decision.IsFree && FindPrice(meter.Prices, meter.RequestedModel, upstream, meter.ChannelId) is { } price)
        {
            meter.Price = price;
            (long computed, string explained) = meter.Media is { } media
                ? (CostCalculator.ApplyMultiplier(media.ExactMicroMicros(media.Billed, price) ?? 0, meter.Multiplier, roundUp: false), media.Explain(price))
                : Breakdown(decision.Billed, price, meter.Multiplier);
            charge = Math.Min(computed, meter.Reservation.Micros);
            note = string.Create(CultureInfo.InvariantCulture,
                $"computed {computed}, reserved {meter.Reservation.Micros}, charged {charge}; {explained}");
        }

        var reported = meter.Reported;
        var usage = new UsageRecord
        {
            RequestId = meter.Context.RequestId,
            AccountId = meter.Key.AccountId,
            KeyId = meter.Key.Id,
            CreatedAt = meter.StartedAt,
            Surface = meter.Context.SurfaceName,
            RequestedModel = meter.RequestedModel,
            UpstreamModel = upstream,
            ReportedModel = meter.ServedModel,
            ChannelId = meter.ChannelId,
            Outcome = Relay.RelayOutcome.Usage(outcome),
            ReportedInputTokens = reported?.InputTokens,
            ReportedOutputTokens = reported?.OutputTokens,
            ReportedCachedInputTokens = reported?.CachedInputTokens,
            ReportedCacheWriteTokens = reported?.CacheWriteInputTokens,
            ReportedReasoningTokens = reported?.ReasoningTokens,
            ReportedTotalTokens = reported?.TotalTokens,
            CountedInputTokens = meter.PromptCount,
            CountedOutputTokens = (int)Math.Min(meter.Output.Count, int.MaxValue),
            BilledSource = decision.IsFree ? BilledSource.None
                : decision.InputSource == FigureSource.Own || decision.OutputSource == FigureSource.Own ? BilledSource.Candor
                : BilledSource.Upstream,
            ChargeMicros = charge,
            DurationMs = (long)Stopwatch.GetElapsedTime(meter.Context.StartTimestamp).TotalMilliseconds,
        };

        long recorded = 0;
        try
        {
            // Fail fast while the store is known to fail (its probe finds out when it works again).
            if (health is { IsFailing: true })
            {
                return charge;
            }

            var receipt = seal is null ? null : await seal(charge).ConfigureAwait(false);
            var deadline = StoreHealth.Deadline(time);
            bool written = await StoreHealth.WaitForWriteAsync(ledger.RecordUsageAsync(usage, charge > 0 ? LedgerEntry.ChargeFor(usage, note) : null, receipt, deadline), deadline)
                .ConfigureAwait(false);
            health?.Succeeded();
            if (!written)
            {
                // Already recorded: recovery claimed the request (interrupted, nothing charged) while this settlement waited,
                // so its answer is withheld like any other the store did not confirm.
                logger.SettlementAlreadyRecorded(meter.Context.RequestId);
                return charge;
            }

            recorded = charge;
            meter.Recorded = true;
            CandorMetrics.Settled(meter.RequestedModel, meter.ChannelId, decision.Billed.InputTokens ?? 0, decision.Billed.OutputTokens ?? 0, charge);
            CandorTracing.Usage(span, decision.Billed.InputTokens ?? 0, decision.Billed.OutputTokens ?? 0, charge);
        }
#pragma warning disable CA1031 // A failed write is a value (meter.Recorded stays false): the relay withholds the answer; the book re-reads the balance.
        catch (Exception e)
#pragma warning restore CA1031
        {
            logger.SettlementFailed(meter.Context.RequestId, e.GetType().Name);
            health?.Failed("settlement", e);
        }
        finally
        {
            book.Settle(meter.Reservation, recorded);
            if (!meter.Recorded)
            {
                // The answer is withheld, but a write that timed out may still commit: this node's recovery of withheld
                // requests (docs/fail-closed.md) either claims the admission (interrupted, its reservation released) or
                // refunds the charge that committed too late, so the refused client is never charged.
                book.Abandon(meter.Context.RequestId, time.GetUtcNow());
            }

            meter.Lease.Settle(decision.Billed.TotalTokens ?? 0);
        }

        if (decision.ExceedsTolerance)
        {
            logger.MeteringDiscrepancy(meter.Context.RequestId, meter.ChannelId ?? "-",
                decision.InputDiscrepancy?.Difference ?? 0, decision.OutputDiscrepancy?.Difference ?? 0);
        }

        return charge;
    }

    /// <summary>Marks a settled request whose answer is withheld after all (<see cref="RequestMeter.Withhold"/>).</summary>
    internal void Withhold(RequestMeter meter) => book.Abandon(meter.Context.RequestId, time.GetUtcNow());

    private static (long Total, string Explained) Breakdown(Usage billed, ModelPrice price, PriceMultiplier multiplier)
    {
        var breakdown = CostCalculator.Compute(billed, price, multiplier);
        return (breakdown.TotalMicros, breakdown.Explain());
    }

    /// <summary>The price of a deployment: the public model's, else the upstream model's, on that channel.</summary>
    private static ModelPrice? FindPrice(PriceTable table, string publicModel, string upstreamModel, string? channel) =>
        table.Find(publicModel, channel) ?? table.Find(upstreamModel, channel);
}
