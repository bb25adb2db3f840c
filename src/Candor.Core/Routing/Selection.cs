using Candor.Core.Configuration;

namespace Candor.Core.Routing;

/// <summary>The selection strategies: each picks one index from candidates of one priority tier.</summary>
internal static class Selection
{
    /// <summary>Weighted random: each candidate's chance is its weight over the tier's total.</summary>
    public static int WeightedRandom(ReadOnlySpan<int> candidates, IReadOnlyList<Deployment> deployments, Random random)
    {
        long total = 0;
        foreach (int i in candidates)
        {
            total += deployments[i].Weight;
        }

        long r = random.NextInt64(total);
        foreach (int i in candidates)
        {
            r -= deployments[i].Weight;
            if (r < 0)
            {
                return i;
            }
        }

        return candidates[^1];
    }

    /// <summary>Power of two choices on peak-EWMA load: two distinct random candidates, the lower load wins.</summary>
    public static int PowerOfTwoLeastLatency(ReadOnlySpan<int> candidates, IReadOnlyList<Deployment> deployments, RoutePlan plan, Random random)
    {
        int a = random.Next(candidates.Length);
        int b = random.Next(candidates.Length - 1);
        if (b >= a)
        {
            b++;
        }

        double sa = plan.HealthOf(deployments[candidates[a]]).LatencyScore();
        double sb = plan.HealthOf(deployments[candidates[b]]).LatencyScore();
        return sb < sa ? candidates[b] : candidates[a];
    }

    /// <summary>Fewest in flight per unit of weight; ties broken at random.</summary>
    public static int LeastBusy(ReadOnlySpan<int> candidates, IReadOnlyList<Deployment> deployments, RoutePlan plan, Random random)
    {
        double best = double.MaxValue;
        int chosen = candidates[0], ties = 0;
        foreach (int i in candidates)
        {
            double load = (double)plan.HealthOf(deployments[i]).InFlight / deployments[i].Weight;
            if (load < best)
            {
                (best, chosen, ties) = (load, i, 1);
            }
            else if (load == best && random.Next(++ties) == 0)
            {
                chosen = i;
            }
        }

        return chosen;
    }

    /// <summary>Weighted rendezvous hashing: the candidate with the highest score for the key wins, so a key keeps
    /// its deployment while that deployment is usable, and moves to its next-best one while it is not.</summary>
    public static int Rendezvous(ReadOnlySpan<int> candidates, IReadOnlyList<Deployment> deployments, string key)
    {
        double best = double.MinValue;
        int chosen = candidates[0];
        foreach (int i in candidates)
        {
            ulong h = Router.Rendezvous(key, deployments[i]);

            // Uniform in (0, 1); score = -weight / ln(u) (weighted HRW).
            double u = ((h >> 11) + 0.5) / (1UL << 53);
            double score = -deployments[i].Weight / Math.Log(u);
            if (score > best)
            {
                (best, chosen) = (score, i);
            }
        }

        return chosen;
    }
}
