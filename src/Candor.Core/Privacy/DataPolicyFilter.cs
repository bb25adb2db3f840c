using Candor.Core.Configuration;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;

namespace Candor.Core.Privacy;

/// <summary>The data-policy step in front of deployment selection: keeps only the deployments whose channel
/// complies with the request's routing requirement. Routing then chooses among what is left; when nothing is
/// left the request fails closed with <see cref="NoCompliantDeployment"/>.</summary>
internal static class DataPolicyFilter
{
    /// <summary>The deployments of <paramref name="deployments"/> whose channel (looked up with
    /// <paramref name="policyOf"/>) complies with <paramref name="requirement"/>, in their original order. Returns
    /// the same list, without copying, when the requirement is open.</summary>
    public static IReadOnlyList<Deployment> Apply(IReadOnlyList<Deployment> deployments, Func<string, ChannelDataPolicy?> policyOf, DataPolicyRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(deployments);
        ArgumentNullException.ThrowIfNull(policyOf);
        if (DataPolicyRequirements.IsOpen(requirement))
        {
            return deployments;
        }

        var compliant = new List<Deployment>(deployments.Count);
        foreach (var deployment in deployments)
        {
            if (policyOf(deployment.ChannelId) is { } policy && DataPolicyRequirements.Complies(policy, requirement))
            {
                compliant.Add(deployment);
            }
        }

        return compliant;
    }

    /// <summary>The deployments whose channel in <paramref name="snapshot"/> complies with <paramref name="requirement"/>.</summary>
    public static IReadOnlyList<Deployment> Apply(IReadOnlyList<Deployment> deployments, RuntimeSnapshot snapshot, DataPolicyRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Apply(deployments, id => snapshot.Channels.TryGetValue(id, out var channel) ? channel.Settings.DataPolicy : null, requirement);
    }

    /// <summary>The error for a request whose model has no deployment that complies: 403, naming the requirement,
    /// never a channel or its credentials.</summary>
    public static RelayError NoCompliantDeployment(string model, DataPolicyRequirement requirement) =>
        new(RelayStage.Routing, RelayErrorKind.PermissionDenied, 403,
            $"No deployment of the model '{model}' complies with this key's privacy policy ({DataPolicyRequirements.Describe(requirement)}); the request was not sent to any upstream.")
        {
            Code = "no_compliant_deployment",
            Param = "model",
        };
}
