using Candor.Core.Audit;
using Candor.Core.Configuration;
using Candor.Core.Privacy;
using Candor.Core.Routing;

namespace Candor.Core.Relay.Pipeline;

/// <summary>Admission steps 2 and 3: the caller's privacy policy (<see cref="PrivacyAdmission"/>), then the deployments
/// the request may use: those whose channel complies with the policy's routing requirement (none: 403, fail closed),
/// less the channels an audit quarantined (none left: 503, docs/audits.md; the receipt names them in
/// <c>quarantine_avoided</c>). A token count passes with no deployment
/// left (<c>required</c> false): Candor then answers with its own estimate and sends nothing.</summary>
internal static class EligibleStep
{
    public static Refusal? Admit(
        RelayContext context, RuntimeSnapshot snapshot, ModelRoute route, PrivacyDirectory? privacy, ChannelQuarantine? quarantine, bool required,
        out IReadOnlyList<Deployment> deployments)
    {
        PrivacyAdmission.Admit(context, snapshot.Config, privacy);
        deployments = DataPolicyFilter.Apply(route.Deployments, snapshot, context.Privacy.Routing);
        if (deployments.Count == 0 && required)
        {
            return Refusal.Refused(DataPolicyFilter.NoCompliantDeployment(route.Name, context.Privacy.Routing));
        }

        var compliant = deployments;
        deployments = quarantine?.Exclude(deployments) ?? deployments;
        if (!ReferenceEquals(deployments, compliant) && context.Receipt is { } receipt)
        {
            // The receipt says which quarantined channels routing avoided (docs/receipts.md, quarantine_avoided).
            foreach (var deployment in compliant)
            {
                if (quarantine!.IsQuarantined(deployment.ChannelId))
                {
                    receipt.AvoidedQuarantined(deployment.ChannelId);
                }
            }
        }

        return deployments.Count == 0 && required ? Refusal.Failed(ChannelQuarantine.AllQuarantined(route.Name)) : null;
    }
}
