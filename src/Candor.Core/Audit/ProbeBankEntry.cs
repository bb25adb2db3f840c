namespace Candor.Core.Audit;

/// <summary>One prompt of the private probe bank (<see cref="PrivateProbeBank"/>), with what the trusted reference wrote
/// alongside it.</summary>
/// <param name="Prompt">The user message.</param>
/// <param name="LongAnswer">True when it was written as a request for a long answer (an essay, a full guide): under a
/// traffic-sized limit its honest answer often runs to the limit, which the cap check reads (<see cref="CapCheck"/>).</param>
/// <param name="Tool">A function tool the reference wrote for it (never one of the public grammar's), or null.</param>
internal sealed record ProbeBankEntry(string Prompt, bool LongAnswer = false, ProbeTool? Tool = null);
