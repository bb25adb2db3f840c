namespace Candor.Core.Audit;

/// <summary>The <c>audit:</c> section: canary probes of upstream channels (docs/audits.md). Off by default.</summary>
internal sealed class AuditSettings
{
    /// <summary>The settings when the section is absent: audits off.</summary>
    public static AuditSettings Disabled { get; } = new();

    /// <summary>Run the scheduler (<c>audit.enabled</c>).</summary>
    public bool Enabled { get; init; }

    /// <summary>Time between two rounds of one target (<c>audit.interval</c>, default 1h).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Probes in flight at once, over all targets (<c>audit.concurrency</c>, default 2).</summary>
    public int Concurrency { get; init; } = 2;

    /// <summary>How many times each probe of the set is sent to the channel, and to the reference, per round
    /// (<c>audit.repeats</c>, default 5).</summary>
    public int Repeats { get; init; } = 5;

    /// <summary>The probability that one round of an honest channel fails any test (<c>audit.alpha</c>, default
    /// 0.01); each of the three statistical tests runs at alpha / 3 (Bonferroni).</summary>
    public double Alpha { get; init; } = 0.01;

    /// <summary>Relabellings per permutation test (<c>audit.permutations</c>, default 999).</summary>
    public int Permutations { get; init; } = 999;

    /// <summary>Sampling temperature of the probes (<c>audit.temperature</c>, default 1).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>The window over which a round's probes are sent (<c>audit.spread</c>, default 0: as fast as
    /// <see cref="Concurrency"/> allows). Each probe leaves at a random moment of the window, drawn independently, so
    /// the probes arrive like a Poisson stream of client requests rather than as a burst.</summary>
    public TimeSpan Spread { get; init; }

    /// <summary>The channels audited (<c>audit.targets</c>).</summary>
    public IReadOnlyList<AuditTarget> Targets { get; init; } = [];
}
