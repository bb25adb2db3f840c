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

    private long _nonce;

    /// <summary>A number unique to each request of this emulator (seeds per-request sampling).</summary>
    internal long NextNonce() => Interlocked.Increment(ref _nonce);
}
