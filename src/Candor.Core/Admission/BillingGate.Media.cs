using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Configuration;
using Candor.Core.Relay;
using Candor.Protocols.Canonical;

namespace Candor.Core.Admission;

/// <summary>Admission of the media endpoints (docs/endpoints.md, "Metering"): the same store check, allowed models, rate
/// limits, reservation and durable admission record as chat, with the reservation priced in the request's units instead
/// of tokens.</summary>
internal sealed partial class BillingGate
{
    /// <summary>Admits a media request of a stored key. Every deployment must price the request's unit (else 403, fail
    /// closed), except moderations, which cost a deployment's per-request fee or nothing. The reservation is the most any
    /// deployment can charge for <paramref name="usage"/>'s reserved quantity, rounded up; the meter carries the usage, and
    /// settlement prices its billed quantity.</summary>
    public async Task<(RequestMeter? Meter, RelayError? Error)> AdmitMediaAsync(RelayContext context, ApiKeyRecord key, string model, MediaUsage usage, ModelRoute route)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(usage);
        ArgumentNullException.ThrowIfNull(route);
        if (CheckStore() is { } storeFailing)
        {
            return (null, storeFailing);
        }

        if (CheckModel(key, model) is { } forbidden)
        {
            return (null, forbidden);
        }

        var table = Prices;
        var multiplier = table.MultiplierFor(key.AccountGroup);
        string firstUpstream = route.Deployments.Count > 0 ? route.Deployments[0].UpstreamModel : model;
        long reserve = 0;
        foreach (var deployment in route.Deployments)
        {
            var price = FindPrice(table, model, deployment.UpstreamModel, deployment.ChannelId);
            if (price is null && usage.Unit == MediaUsage.Request)
            {
                // An unpriced moderation model is free.
                continue;
            }

            if (price is null || usage.ExactMicroMicros(usage.Reserved, price) is not { } most)
            {
                return (null, new RelayError(RelayStage.Admission, RelayErrorKind.PermissionDenied, 403,
                    $"The model '{model}' has no {Describe(usage.Unit)} price, so it cannot be billed; ask the operator to price it.") { Param = "model" });
            }

            reserve = Math.Max(reserve, CostCalculator.ApplyMultiplier(most, multiplier, roundUp: true));
        }

        return await ReserveAsync(context, key, model, 0, 0, reserve, firstUpstream, table, multiplier, usage).ConfigureAwait(false);
    }

    private static string Describe(string unit) => unit switch
    {
        MediaUsage.Image => "per-image",
        MediaUsage.AudioMilliseconds => "per-second audio",
        MediaUsage.Characters => "per-character",
        MediaUsage.SearchUnit => "per-search-unit",
        _ => "per-request",
    };
}
