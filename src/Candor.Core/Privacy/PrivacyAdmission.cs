using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Relay;

namespace Candor.Core.Privacy;

/// <summary>The privacy step of admission: resolves the caller's effective policy (server, narrowed by account then key,
/// or by the configuration key), puts its routing requirement and redaction policy on <see cref="RelayContext.Privacy"/>
/// and reports the routing and retention parts in <see cref="PrivacyHeaders.Policy"/> (the redaction stage appends its
/// own part).</summary>
internal static class PrivacyAdmission
{
    private static readonly PrivacyDirectory NoStore = new();

    /// <summary>Resolves and applies the policy; returns it.</summary>
    public static EffectivePrivacy Admit(RelayContext context, CandorConfig config, PrivacyDirectory? directory)
    {
        ArgumentNullException.ThrowIfNull(context);
        var effective = (directory ?? NoStore).Resolve(config, context.Caller);
        context.Privacy = new PrivacyPolicy(effective.Redaction, effective.Routing);
        context.PrivacyPolicyHeader = PrivacyHeaders.Describe(effective);
        context.SetHeader(PrivacyHeaders.Policy, context.PrivacyPolicyHeader);
        return effective;
    }
}
