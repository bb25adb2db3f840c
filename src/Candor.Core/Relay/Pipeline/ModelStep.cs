using Candor.Core.Configuration;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;

namespace Candor.Core.Relay.Pipeline;

/// <summary>Admission step 1: the public model. Only a configured model goes on the receipt: an unknown name is the
/// client's text, which is never stored (docs/privacy.md, "Retention").</summary>
internal static class ModelStep
{
    /// <summary>The route of <paramref name="model"/>, noted on the receipt; null when no such model is configured
    /// (answer with <see cref="Unknown"/>).</summary>
    public static ModelRoute? Admit(RuntimeSnapshot snapshot, RelayContext context, string model)
    {
        if (!snapshot.Models.TryGetValue(model, out var route))
        {
            return null;
        }

        if (context.Receipt is { } receipt)
        {
            receipt.RequestedModel = model;
        }

        return route;
    }

    /// <summary>The refusal of a model no route names (404).</summary>
    public static Refusal Unknown(string model) => Refusal.Refused(RelayError.ModelNotFound(model));
}
