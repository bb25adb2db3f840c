using System.Text;
using Candor.Core.Configuration;
using Candor.Protocols.Canonical;

namespace Candor.Core.Routing;

/// <summary>Chooses deployments for requests. Selection is a function over an eligible-deployment list: the
/// caller passes the public model's deployments after any filter (data policy, residency) and the router
/// removes the disabled, cooling-down and busy ones, takes the lowest priority tier left and lets the
/// model's strategy pick inside it. One router per process; time and randomness are injected.</summary>
/// <param name="health">The deployments' health and this node's count of their limits.</param>
/// <param name="random">The strategies' randomness.</param>
/// <param name="sharedLimits">The cluster's count of the deployments' limits (<c>cluster.redis</c>), which replaces this
/// node's; null counts them on this node.</param>
internal sealed class Router(HealthRegistry health, Random random, SharedDeploymentLimits? sharedLimits = null)
{
    /// <summary>The request header that carries an affinity key for the sticky strategy.</summary>
    public const string AffinityHeader = "x-candor-affinity";

    /// <summary>The health registry the router reads and feeds.</summary>
    public HealthRegistry Health { get; } = health;

    internal Random Random { get; } = random;

    /// <summary>The cluster's count of the deployments' limits, or null (this node counts them).</summary>
    internal SharedDeploymentLimits? SharedLimits { get; } = sharedLimits;

    /// <summary>Starts routing one request: the returned plan yields deployments one attempt at a time.</summary>
    /// <param name="snapshot">The snapshot the request started with.</param>
    /// <param name="route">The public model.</param>
    /// <param name="eligible">The deployments the request may use (the route's, after any policy filter).</param>
    /// <param name="affinityKey">The sticky strategy's key (see <see cref="AffinityKey"/>), or null.</param>
    /// <param name="estimatedTokens">The request's estimated tokens, counted against tpm limits.</param>
    public RoutePlan Plan(RuntimeSnapshot snapshot, ModelRoute route, IReadOnlyList<Deployment> eligible, string? affinityKey, long estimatedTokens) =>
        new(this, snapshot, route, eligible, affinityKey, estimatedTokens);

    /// <summary>The affinity key of a request for <paramref name="route"/>'s sticky strategy: the first of its
    /// sources that gives one (header, the request's <c>user</c>, the conversation's opening). Null otherwise.</summary>
    /// <param name="route">The public model.</param>
    /// <param name="request">The decoded request.</param>
    /// <param name="header">The value of the request's <see cref="AffinityHeader"/>, or null.</param>
    public static string? AffinityKey(ModelRoute route, ChatRequest request, string? header)
    {
        if (route.Strategy != RoutingStrategy.Sticky)
        {
            return null;
        }

        foreach (var source in route.Affinity)
        {
            switch (source)
            {
                case AffinitySource.Header when !string.IsNullOrEmpty(header):
                    return "h:" + header;
                case AffinitySource.User when !string.IsNullOrEmpty(request.User):
                    return "u:" + request.User;
                case AffinitySource.Conversation when ConversationKey(request) is { } key:
                    return key;
            }
        }

        return null;
    }

    /// <summary>A digest of the system prompt and the first user message: the prefix an upstream prompt cache keys on.</summary>
    private static string? ConversationKey(ChatRequest request)
    {
        ulong hash = 14695981039346656037UL;
        bool any = false;
        foreach (var message in request.Messages)
        {
            hash = Fnv(hash, (char)('0' + (int)message.Role));
            foreach (var part in message.Parts)
            {
                if (part is TextPart text)
                {
                    foreach (char c in text.Text)
                    {
                        hash = Fnv(hash, c);
                    }

                    any = true;
                }
            }

            if (message.Role == ChatRole.User)
            {
                break;
            }
        }

        return any ? "c:" + hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    internal static ulong Fnv(ulong hash, char c) => (hash ^ c) * 1099511628211UL;

    /// <summary>A well-mixed 64-bit hash of an affinity key and a deployment (rendezvous hashing).</summary>
    internal static ulong Rendezvous(string key, Deployment deployment)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in key)
        {
            h = Fnv(h, c);
        }

        h = Fnv(h, '\0');
        foreach (char c in deployment.ChannelId)
        {
            h = Fnv(h, c);
        }

        h = Fnv(h, '\0');
        foreach (char c in deployment.UpstreamModel)
        {
            h = Fnv(h, c);
        }

        // SplitMix64 finalizer: FNV's low bits are weak.
        h ^= h >> 30;
        h *= 0xbf58476d1ce4e5b9UL;
        h ^= h >> 27;
        h *= 0x94d049bb133111ebUL;
        h ^= h >> 31;
        return h;
    }
}
