using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Relay;

namespace Candor.Core.Privacy;

/// <summary>The privacy step of admission: resolves the caller's effective policy (server ∩ account ∩ key, or
/// server ∩ configuration key), puts its routing requirement on <see cref="RelayContext.Privacy"/> (keeping the
/// record's other parts) and reports it in <see cref="PrivacyHeaders.Policy"/>.</summary>
public static class PrivacyAdmission
{
    private static readonly PrivacyDirectory NoStore = new();

    /// <summary>Resolves and applies the policy; returns it.</summary>
    public static EffectivePrivacy Admit(RelayContext context, CandorConfig config, PrivacyDirectory? directory)
    {
        ArgumentNullException.ThrowIfNull(context);
        var effective = (directory ?? NoStore).Resolve(config, context.Http.Features.Get<Caller>());
        context.Privacy = context.Privacy with { Routing = effective.Routing };
        context.Http.Response.Headers[PrivacyHeaders.Policy] = PrivacyHeaders.Describe(effective);
        return effective;
    }
}
