using System.Diagnostics.Metrics;
using System.Globalization;
using Candor.Core.Accounting;
using Candor.Core.Routing;
using Candor.Core.Transparency;
using Microsoft.Extensions.Logging;

namespace Candor.Core.Audit;

/// <summary>
/// Runs audit rounds: sends the probe set to each target channel and to its trusted reference channel, tests the
/// two samples (docs/audits.md), records verdicts (memory, transparency log, metrics) and quarantines a channel
/// whose test rejects in two rounds in a row. A rejection makes the channel suspect and runs a confirmation round
/// at once with fresh probes, so a false alarm needs two independent rejections.
/// </summary>
internal sealed class ChannelAuditor
{
    /// <summary>Verdicts kept in memory for the admin API.</summary>
    public const int HistoryLength = 1000;

    /// <summary>Probes per round per <c>repeats</c> (ten, as the fixed set had): a round sends ten × repeats fresh probes.</summary>
    public const int ProbesPerRepeat = 10;

    private readonly SnapshotHolder _snapshots;
    private readonly ChannelQuarantine _quarantine;
    private readonly TimeProvider _time;
    private readonly TokenCounter _counter;
    private readonly ILogger<ChannelAuditor> _logger;
    private readonly ITransparencyLog? _log;
    private readonly ProbeGenerator _probes;
    private readonly IAuditEvidenceStore? _evidence;
    private Dictionary<string, AuditEvidenceRecord>? _stored;
    private readonly Counter<long>? _alerts;
    private readonly Counter<long>? _rounds;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, TargetState> _states = new(StringComparer.Ordinal);
    private readonly LinkedList<AuditVerdict> _history = new();
    private readonly Lock _historyLock = new();

    /// <summary>Creates the auditor.</summary>
    public ChannelAuditor(
        SnapshotHolder snapshots, ChannelQuarantine quarantine, TimeProvider time, TokenCounter counter, ILogger<ChannelAuditor> logger,
        IMeterFactory? meters = null, ITransparencyLog? log = null, ProbeGenerator? probes = null, IAuditEvidenceStore? evidence = null)
    {
        _evidence = evidence;
        _probes = probes ?? new ProbeGenerator(ProbeSecret.Ephemeral());
        _snapshots = snapshots;
        _quarantine = quarantine;
        _time = time;
        _counter = counter;
        _logger = logger;
        _log = log;
        if (meters is not null)
        {
            var meter = meters.Create("Candor.Audit");
            _alerts = meter.CreateCounter<long>("candor.audit.alerts", description: "Channels quarantined by a failed audit, by test");
            _rounds = meter.CreateCounter<long>("candor.audit.rounds", description: "Audit rounds run");
        }
    }

    /// <summary>Audit alerts raised since start (also the <c>candor.audit.alerts</c> metric).</summary>
    public long Alerts => Interlocked.Read(ref _alertCount);

    private long _alertCount;

    /// <summary>The most recent verdicts, newest first.</summary>
    public IReadOnlyList<AuditVerdict> RecentVerdicts(int max)
    {
        lock (_historyLock)
        {
            return _history.Take(max).ToArray();
        }
    }

    /// <summary>How long until the next target is due (at most the interval; at least one second).</summary>
    public TimeSpan TimeUntilNextDue()
    {
        var settings = _snapshots.Current.Config.Audit;
        var now = _time.GetUtcNow();
        var next = settings.Interval;
        lock (_states)
        {
            foreach (var target in settings.Targets)
            {
                var due = _states.TryGetValue(Key(target), out var state) ? state.NextDue - now : TimeSpan.Zero;
                next = due < next ? due : next;
            }
        }

        return next < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : next;
    }

    /// <summary>Runs a round for every enabled target that is due and not quarantined. Calls are serialized.</summary>
    public async Task RunDueAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var snapshot = _snapshots.Current;
            var settings = snapshot.Config.Audit;
            if (!settings.Enabled)
            {
                return;
            }

            _stored ??= await LoadStoredAsync(cancellationToken).ConfigureAwait(false);
            using var concurrency = new SemaphoreSlim(settings.Concurrency, settings.Concurrency);
            foreach (var target in settings.Targets)
            {
                TargetState state;
                lock (_states)
                {
                    if (!_states.TryGetValue(Key(target), out state!))
                    {
                        state = new TargetState { NextDue = _time.GetUtcNow() };
                        if (_stored.Remove(Key(target), out var stored))
                        {
                            state.Restore(stored);
                        }

                        _states[Key(target)] = state;
                    }
                }

                if (_time.GetUtcNow() < state.NextDue || _quarantine.IsQuarantined(target.ChannelId))
                {
                    continue;
                }

                try
                {
                    // A suspect round is confirmed (or cleared) at once with fresh probes.
                    await RunRoundAsync(snapshot, settings, target, state, concurrency, cancellationToken).ConfigureAwait(false);
                    if (state.Suspects.Count > 0 && !_quarantine.IsQuarantined(target.ChannelId))
                    {
                        await RunRoundAsync(snapshot, settings, target, state, concurrency, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.RoundFailed(target.ChannelId, e.GetType().Name);
                }

                state.NextDue = _time.GetUtcNow() + settings.Interval;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Lifts a channel's quarantine and forgets everything held against it (admin action): its suspicion, its
    /// accumulated evidence, and any round still in flight (which records its verdicts but decides nothing). The
    /// channel's next round is one interval away, and only evidence gathered after the lift can quarantine it again.</summary>
    public async Task<bool> ReleaseAsync(string channelId, CancellationToken cancellationToken)
    {
        var next = _time.GetUtcNow() + _snapshots.Current.Config.Audit.Interval;
        lock (_states)
        {
            foreach (var (key, state) in _states)
            {
                if (key.StartsWith(channelId + "\n", StringComparison.Ordinal))
                {
                    state.Reset(next);
                }
            }
        }

        if (_evidence is not null)
        {
            lock (_states)
            {
                // Evidence stored but not yet read back (no round since start) is forgotten with the rest.
                foreach (var key in _stored?.Keys.Where(k => k.StartsWith(channelId + "\n", StringComparison.Ordinal)).ToList() ?? [])
                {
                    _stored!.Remove(key);
                }
            }

            try
            {
                await _evidence.DeleteEvidenceAsync(channelId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.EvidenceStoreFailed(channelId, e.GetType().Name);
            }
        }

        var released = await _quarantine.ReleaseAsync(channelId, cancellationToken).ConfigureAwait(false);
        if (released)
        {
            _logger.Released(channelId);
        }

        return released;
    }

    private async Task RunRoundAsync(
        RuntimeSnapshot snapshot, AuditSettings settings, AuditTarget target, TargetState state, SemaphoreSlim concurrency, CancellationToken cancellationToken)
    {
        if (!snapshot.Channels.TryGetValue(target.ChannelId, out var channel) ||
            !snapshot.Channels.TryGetValue(target.ReferenceChannelId, out var reference))
        {
            return;
        }

        var round = ++state.Round;
        var epoch = state.Epoch;
        var repeats = target.Repeats ?? settings.Repeats;

        // Fresh probes every round, each sent once to the channel and once to the reference (a pair: its stratum); their
        // prompts come from the private bank, which the reference tops up first.
        await FillBankAsync(snapshot, settings, target, reference, round, ProbesPerRepeat * repeats, concurrency, cancellationToken).ConfigureAwait(false);
        var probes = _probes.Round(Key(target), _time.GetUtcNow(), round, ProbesPerRepeat * repeats, channel.Adapter.Protocol);
        var spread = settings.Spread;
        var sends = new List<Task<ProbeAnswer?>>(probes.Count * 2);
        var groups = new List<bool>(sends.Capacity);
        for (var s = 0; s < probes.Count; s++)
        {
            sends.Add(Send(channel, target.Model, probes[s], s));
            groups.Add(true);
            sends.Add(Send(reference, target.ReferenceModel, probes[s], s));
            groups.Add(false);
        }

        var results = await Task.WhenAll(sends).ConfigureAwait(false);
        var answers = new List<ProbeAnswer>();
        var isProbe = new List<bool>();
        for (var i = 0; i < results.Length; i++)
        {
            if (results[i] is { } answer)
            {
                answers.Add(answer);
                isProbe.Add(groups[i]);
            }
        }

        var now = _time.GetUtcNow();
        _rounds?.Add(1);
        var sent = probes.Count;
        var channelAnswered = isProbe.Count(static p => p);
        var referenceAnswered = isProbe.Count - channelAnswered;
        if (state.Epoch != epoch)
        {
            // An operator lifted the quarantine while this round ran: its answers are evidence from before the lift.
            return;
        }

        if (channelAnswered * 2 < sent || referenceAnswered * 2 < sent)
        {
            _logger.Inconclusive(target.ChannelId, channelAnswered, sent, referenceAnswered);
            await RecordAsync(new AuditVerdict(target.ChannelId, target.Model, target.ReferenceChannelId, "all", 0, 0, 1, settings.Alpha,
                channelAnswered, referenceAnswered, AuditDecision.Inconclusive, round, now), cancellationToken).ConfigureAwait(false);
            return;
        }

        // Evidence accumulated over rounds (test martingales, SequentialEvidence): the pairs both sides answered.
        var pairs = new List<(ProbeAnswer Channel, ProbeAnswer Reference)>(probes.Count);
        var byStratum = new ProbeAnswer?[probes.Count, 2];
        for (var i = 0; i < answers.Count; i++)
        {
            byStratum[answers[i].Stratum, isProbe[i] ? 0 : 1] = answers[i];
        }

        for (var s = 0; s < probes.Count; s++)
        {
            if (byStratum[s, 0] is { } c && byStratum[s, 1] is { } r)
            {
                pairs.Add((c, r));
            }
        }

        state.Evidence.Add(pairs);
        var verdicts = new List<AuditVerdict>(4);
        var alpha = settings.Alpha / 3;
        var strata = answers.Select(static a => a.Stratum).ToArray();
        var labels = isProbe.ToArray();
        var strataCount = probes.Count;

        // 1. Model equality: MMD over word frequencies.
        var rows = AnswerFeatures.WordFrequencies(answers);
        var model = PermutationTest.Run(strata, labels, l => AnswerFeatures.Mmd(rows, strata, l, strataCount), settings.Permutations, alpha, Random.Shared);
        verdicts.Add(Decide(target, state, "model", model, alpha, channelAnswered, referenceAnswered, round, now));

        // 2. Truncation: the channel's answers are shorter than the reference's (own count), cap probes included.
        var lengths = answers.Select(static a => (double)a.OwnTokens).ToArray();
        var truncation = PermutationTest.Run(strata, labels, l => -AnswerFeatures.MeanShift(lengths, strata, l, strataCount), settings.Permutations, alpha, Random.Shared);
        verdicts.Add(Decide(target, state, "truncation", truncation, alpha, channelAnswered, referenceAnswered, round, now));

        // 3. Usage inflation: reported / own output tokens, channel against reference.
        var metered = Enumerable.Range(0, answers.Count).Where(i => answers[i].ReportedTokens is > 0 && answers[i].OwnTokens > 0).ToArray();
        var meteredProbe = metered.Select(i => labels[i]).ToArray();
        if (meteredProbe.Any(static p => p) && meteredProbe.Any(static p => !p))
        {
            var ratios = metered.Select(i => Math.Log((double)answers[i].ReportedTokens!.Value / answers[i].OwnTokens)).ToArray();
            var meteredStrata = metered.Select(i => strata[i]).ToArray();
            var usage = PermutationTest.Run(meteredStrata, meteredProbe, l => AnswerFeatures.MeanShift(ratios, meteredStrata, l, strataCount), settings.Permutations, alpha, Random.Shared);
            verdicts.Add(Decide(target, state, "usage", usage, alpha, meteredProbe.Count(static p => p), meteredProbe.Count(static p => !p), round, now));
        }

        // 4. Reported model: a deterministic check. A name the reference never reports for the same model, and that is
        // not a dated version of the claimed name, is a substitution the upstream admits to.
        var referenceNames = answers.Where((_, i) => !labels[i]).Select(static a => a.ReportedModel).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var foreign = answers.Where((a, i) => labels[i] && a.ReportedModel is { } name && !referenceNames.Contains(name) && !SameModel(name, target.Model)).Count();
        verdicts.Add(new AuditVerdict(target.ChannelId, target.Model, target.ReferenceChannelId, "reported_model", foreign, 0, foreign > 0 ? 0 : 1, 0,
            channelAnswered, referenceAnswered, foreign > 0 ? AuditDecision.Fail : AuditDecision.Pass, round, now));

        // 5. Cap: limits drawn as traffic's; wherever the reference ran to a probe's limit the channel must too, and no
        // channel answer reports more output than its limit (CapCheck). Billing past the cap fails at once; stopping early
        // is suspect first, like a statistical rejection, and fails when the confirmation round shows it again.
        var cap = CapCheck.Run(probes, pairs);
        var capDecision = cap.Over > 0 ? AuditDecision.Fail
            : cap.Early == 0 ? AuditDecision.Pass
            : state.Suspects.Contains("cap") ? AuditDecision.Fail
            : AuditDecision.Suspect;
        verdicts.Add(new AuditVerdict(target.ChannelId, target.Model, target.ReferenceChannelId, "cap", cap.Over + cap.Early, 0, capDecision == AuditDecision.Pass ? 1 : 0, 0,
            channelAnswered, referenceAnswered, capDecision, round, now));

        state.Suspects.Clear();
        foreach (var verdict in verdicts)
        {
            if (verdict.Decision == AuditDecision.Suspect)
            {
                state.Suspects.Add(verdict.Test);
                _logger.Suspect(target.ChannelId, verdict.Test, verdict.PValue);
            }

            await RecordAsync(verdict, cancellationToken).ConfigureAwait(false);
        }

        await StoreAsync(target, state, epoch, now, cancellationToken).ConfigureAwait(false);

        if (verdicts.FirstOrDefault(static v => v.Decision == AuditDecision.Fail) is { } failed)
        {
            await QuarantineAsync(failed, cancellationToken).ConfigureAwait(false);
        }

        Task<ProbeAnswer?> Send(ChannelRuntime to, string upstreamModel, Probe probe, int stratum) => Bounded(concurrency, _time, Jitter(spread),
            ct => ProbeSender.SendAsync(to, upstreamModel, probe, stratum, settings.Temperature, _counter, snapshot.Config.MaxUpstreamResponseBytes, ct), cancellationToken);
    }

    /// <summary>Asks the target's trusted reference to write prompts (<see cref="ProbeWriter"/>) until the private bank
    /// holds <paramref name="needed"/>, in waves of as many requests as the shortfall needs, at most
    /// <paramref name="needed"/> requests in all. A bank still short (the reference failing, or answering few) leaves the
    /// rest of the round to the public grammar, and says so.</summary>
    private async Task FillBankAsync(
        RuntimeSnapshot snapshot, AuditSettings settings, AuditTarget target, ChannelRuntime reference, long round, int needed,
        SemaphoreSlim concurrency, CancellationToken cancellationToken)
    {
        if (_probes.Bank is not { } bank)
        {
            return;
        }

        var requests = 0;
        var now = _time.GetUtcNow();
        while (bank.Count < needed && requests < needed)
        {
            var wave = Math.Min(needed - requests, ((needed - bank.Count) + ProbeWriter.PerRequest - 1) / ProbeWriter.PerRequest);
            var writes = new Task<ProbeAnswer?>[wave];
            var asked = new Probe[wave];
            for (var w = 0; w < wave; w++)
            {
                var request = asked[w] = _probes.WritingRequest(Key(target), now, round, requests + w);
                writes[w] = Bounded(concurrency, _time, TimeSpan.Zero, ct => ProbeSender.SendAsync(
                    reference, target.ReferenceModel, request, 0, settings.Temperature, _counter, snapshot.Config.MaxUpstreamResponseBytes, ct), cancellationToken);
            }

            requests += wave;
            var before = bank.Count;
            var answers = await Task.WhenAll(writes).ConfigureAwait(false);
            for (var w = 0; w < wave; w++)
            {
                if (answers[w] is { } answer)
                {
                    bank.Add(ProbeWriter.Entries(asked[w], answer.Text));
                }
            }

            if (bank.Count == before)
            {
                break;
            }
        }

        if (bank.Count < needed)
        {
            _logger.ProbeBankShort(target.ChannelId, bank.Count, needed);
        }
    }

    /// <summary>A send's random moment within the round's spread (uniform, independent per send, so the sends of a
    /// round form a Poisson-like stream; the channel's and the reference's copy of a probe leave at different times).</summary>
    private static TimeSpan Jitter(TimeSpan spread) =>
        spread <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * spread.Ticks));

    private static async Task<ProbeAnswer?> Bounded(
        SemaphoreSlim concurrency, TimeProvider time, TimeSpan delay, Func<CancellationToken, Task<ProbeAnswer?>> send, CancellationToken cancellationToken)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }

        await concurrency.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await send(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            concurrency.Release();
        }
    }

    /// <summary>Fails a test that rejected in two rounds in a row, or whose accumulated evidence reached 1/alpha (a
    /// quarantine on evidence alone keeps the same lifetime false-alarm bound, alpha per test, by Ville's inequality);
    /// a single rejection is suspect.</summary>
    private static AuditVerdict Decide(
        AuditTarget target, TargetState state, string test, PermutationTest.Result result, double alpha, int probes, int references, long round, DateTimeOffset now)
    {
        var evidence = state.Evidence.EValue(test);
        var decision = evidence >= 1 / alpha ? AuditDecision.Fail
            : !result.Rejects(alpha) ? AuditDecision.Pass
            : state.Suspects.Contains(test) ? AuditDecision.Fail
            : AuditDecision.Suspect;
        return new AuditVerdict(target.ChannelId, target.Model, target.ReferenceChannelId, test, result.Statistic, result.Threshold, result.PValue, alpha,
            probes, references, decision, round, now)
        { Evidence = evidence, EvidenceRounds = state.Evidence.Rounds };
    }

    private async Task QuarantineAsync(AuditVerdict failed, CancellationToken cancellationToken)
    {
        var reason = failed.Test switch
        {
            "reported_model" => string.Create(CultureInfo.InvariantCulture,
                $"reported_model: {failed.Statistic:0} of {failed.Probes} probe answers named a model other than {failed.ClaimedModel}"),
            "cap" => string.Create(CultureInfo.InvariantCulture,
                $"cap: {failed.Statistic:0} probe answers broke their max-tokens limit against {failed.ClaimedModel} on reference channel {failed.ReferenceChannelId} (output reported beyond the limit, or stopped at under half the reference's length where the reference ran to the limit, in two rounds in a row)"),
            "model" or "truncation" or "usage" when failed.FailedOnEvidence => string.Create(CultureInfo.InvariantCulture,
                $"{failed.Test}: {EvidenceMeaning(failed)}: the evidence accumulated over {failed.EvidenceRounds} rounds reached e = {failed.Evidence:G4} ≥ 1/alpha = {1 / failed.Alpha:G4} (a false alarm has probability ≤ alpha = {failed.Alpha:G3} over the channel's whole audit; last round MMD or shift {failed.Statistic:G4}, p = {failed.PValue:G3}, {failed.Probes} probes)"),
            "model" => string.Create(CultureInfo.InvariantCulture,
                $"model: the answers' word distribution differs from {failed.ClaimedModel} on reference channel {failed.ReferenceChannelId} in two rounds in a row (MMD {failed.Statistic:G4} > threshold {failed.Threshold:G4}, p = {failed.PValue:G3}, alpha = {failed.Alpha:G3}, {failed.Probes} probes)"),
            "truncation" => string.Create(CultureInfo.InvariantCulture,
                $"truncation: answers are shorter than the reference's by {failed.Statistic:G4} tokens summed over probes, in two rounds in a row (threshold {failed.Threshold:G4}, p = {failed.PValue:G3}); max tokens may be lowered silently"),
            _ => string.Create(CultureInfo.InvariantCulture,
                $"usage: reported output tokens exceed Candor's count by about {(Math.Exp(failed.Statistic / Math.Max(1, failed.Probes)) - 1) * 100:0.#}% more than on the reference, in two rounds in a row (threshold {failed.Threshold:G4}, p = {failed.PValue:G3})"),
        };
        bool added;
        try
        {
            added = await _quarantine.AddAsync(new QuarantineEntry(failed.ChannelId, reason, failed.Test, failed.Time), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The channel is already out of routing (memory first); only its survival of a restart is lost.
            _logger.QuarantineStoreFailed(failed.ChannelId, e.GetType().Name);
            added = true;
        }

        if (added)
        {
            Interlocked.Increment(ref _alertCount);
            if (_alerts is { Enabled: true })
            {
                _alerts.Add(1, new KeyValuePair<string, object?>("test", failed.Test));
            }

            _logger.Quarantined(failed.ChannelId, failed.Test, failed.Statistic, failed.Threshold, failed.PValue, failed.Probes);
        }
    }

    /// <summary>The stored target states, by target key (none without a store, or when the store cannot be read: the
    /// audit then starts afresh rather than not at all).</summary>
    private async Task<Dictionary<string, AuditEvidenceRecord>> LoadStoredAsync(CancellationToken cancellationToken)
    {
        if (_evidence is null)
        {
            return new(StringComparer.Ordinal);
        }

        try
        {
            var records = await _evidence.ListEvidenceAsync(cancellationToken).ConfigureAwait(false);
            return records.ToDictionary(static r => r.Target, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.EvidenceStoreFailed("*", e.GetType().Name);
            return new(StringComparer.Ordinal);
        }
    }

    /// <summary>Writes a target's state after its round, unless an operator's lift came in between.</summary>
    private async Task StoreAsync(AuditTarget target, TargetState state, int epoch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_evidence is null || state.Epoch != epoch)
        {
            return;
        }

        try
        {
            await _evidence.SaveEvidenceAsync(state.ToRecord(Key(target), target.ChannelId, now), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The round's decision stands; only the evidence's survival of a restart is lost.
            _logger.EvidenceStoreFailed(target.ChannelId, e.GetType().Name);
        }
    }

    private static string EvidenceMeaning(AuditVerdict failed) => failed.Test switch
    {
        "model" => $"the answers' word distribution differs from {failed.ClaimedModel} on reference channel {failed.ReferenceChannelId}",
        "truncation" => "answers are shorter than the reference's; max tokens may be lowered silently",
        _ => "reported output tokens exceed Candor's count more than on the reference",
    };

    private async Task RecordAsync(AuditVerdict verdict, CancellationToken cancellationToken)
    {
        lock (_historyLock)
        {
            _history.AddFirst(verdict);
            if (_history.Count > HistoryLength)
            {
                _history.RemoveLast();
            }
        }

        if (_log is null)
        {
            return;
        }

        try
        {
            await _log.AppendAsync(verdict.ToCanonicalJson(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogAppendFailed(verdict.ChannelId, e.GetType().Name);
        }
    }

    /// <summary>The claimed name, a dated version of it (<c>gpt-4o-2024-08-06</c>, <c>claude-x@20250101</c>) or Gemini's
    /// <c>models/</c> form. <c>gpt-4o-mini</c> is not a version of <c>gpt-4o</c>.</summary>
    private static bool SameModel(string reported, string claimed)
    {
        if (reported.StartsWith("models/", StringComparison.OrdinalIgnoreCase))
        {
            reported = reported["models/".Length..];
        }

        return string.Equals(reported, claimed, StringComparison.OrdinalIgnoreCase) ||
            (reported.StartsWith(claimed, StringComparison.OrdinalIgnoreCase) && reported.Length > claimed.Length + 1 &&
             reported[claimed.Length] is '-' or '@' && char.IsAsciiDigit(reported[claimed.Length + 1]));
    }

    private static string Key(AuditTarget target) => target.ChannelId + "\n" + target.Model;

    private sealed class TargetState
    {
        public DateTimeOffset NextDue { get; set; }

        public long Round { get; set; }

        public HashSet<string> Suspects { get; } = new(StringComparer.Ordinal);

        public SequentialEvidence Evidence { get; private set; } = new();

        /// <summary>Bumped by an operator's lift: a round that began before it decides nothing.</summary>
        public int Epoch { get; private set; }

        /// <summary>Takes up the state stored before a restart (evidence that cannot be read starts afresh).</summary>
        public void Restore(AuditEvidenceRecord stored)
        {
            Round = stored.Round;
            foreach (var test in stored.Suspects.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                Suspects.Add(test);
            }

            Evidence = SequentialEvidence.Import(stored.Evidence) ?? new SequentialEvidence();
        }

        public AuditEvidenceRecord ToRecord(string key, string channelId, DateTimeOffset now) =>
            new(key, channelId, Round, string.Join(',', Suspects.Order(StringComparer.Ordinal)), Evidence.Export(), now);

        public void Reset(DateTimeOffset nextDue)
        {
            Suspects.Clear();
            Evidence = new SequentialEvidence();
            Epoch++;
            NextDue = nextDue;
        }
    }
}
