namespace Candor.Emulator;

/// <summary>Options for an <see cref="EmulatorHost"/>.</summary>
public sealed class EmulatorOptions
{
    /// <summary>The URL Kestrel listens on. Port 0 picks a free port; read the bound one from <see cref="EmulatorHost.BaseAddress"/>.</summary>
    public string Url { get; set; } = "http://127.0.0.1:0";

    /// <summary>When set, every vendor endpoint requires this key in the vendor's auth header and answers 401 otherwise.</summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>Seed mixed into every generated answer; different seeds give different (still deterministic) answers.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Configured (model → cheaper model) pairs for <c>serve_model=cheaper</c> and <c>mix_model=cheaper</c>;
    /// a model without a pair has the cheaper sibling <c>NAME-mini</c>.</summary>
    public IReadOnlyDictionary<string, string>? CheaperModels { get; set; }

    /// <summary>The directory of recorded vendor answers that <c>/replay/NAME/…</c> replays (one directory per
    /// recording, see <see cref="Replay.Recording"/>); null: nothing is replayed.</summary>
    public string? RecordingsDirectory { get; set; }

    /// <summary>For <c>spare_known</c>: what the cheat knows — true for a request it takes to be a probe. Null: it knows
    /// nothing and spares nothing.</summary>
    public Func<KnownRequest, bool>? Recognises { get; set; }

    private long _nonce;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>A number unique to each request of this emulator (seeds per-request sampling).</summary>
    internal long NextNonce() => Interlocked.Increment(ref _nonce);

    /// <summary>For <c>spare_seen</c>: the spec without its cheats when this spec has seen the conversation before
    /// (remembered per spec, as one dishonest upstream remembers its own traffic), else the spec as given.</summary>
    internal Faults.FaultSpec Spare(Faults.FaultSpec spec, Generation.ChatQuery query)
    {
        if (spec.SpareKnown)
        {
            var system = query.Messages.FirstOrDefault(static m => m.Role == "system")?.Text;
            var user = query.Messages.LastOrDefault(static m => m.Role == "user")?.Text ?? "";
            if (Recognises?.Invoke(new KnownRequest(system, user, query.MaxTokens, [.. query.Tools.Select(static t => t.Name)])) == true)
            {
                return spec with { ServeModel = null, MixModel = null, MixRate = null };
            }
        }

        if (!spec.SpareSeen)
        {
            return spec;
        }

        var key = spec + "\u0000" + string.Join("\u0001", query.Messages.Select(static m => m.Role + "\u0002" + m.Text));
        lock (_seen)
        {
            return _seen.Add(key) ? spec : spec with { ServeModel = null, MixModel = null, MixRate = null };
        }
    }
}
