namespace Candor.Emulator;

/// <summary>One request the emulator received.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path as received, including any <c>/x/SPEC/</c> prefix.</param>
/// <param name="Query">The query string including the leading <c>?</c>, or empty.</param>
/// <param name="Headers">Selected headers, lower-case names: the credentials (authorization, api-key, x-api-key,
/// x-goog-api-key), anthropic-version and anthropic-beta, and the trace-context headers (traceparent, tracestate,
/// baggage, request-id, correlation-context).</param>
/// <param name="Body">The raw request body.</param>
public sealed record JournalEntry(
    string Method,
    string Path,
    string Query,
    IReadOnlyDictionary<string, string> Headers,
    ReadOnlyMemory<byte> Body)
{
    /// <summary>The names of every request header as received, lower case, in order (values are not kept beyond
    /// <see cref="Headers"/>).</summary>
    public IReadOnlyList<string> HeaderNames { get; init; } = [];

    /// <summary>The body decoded as UTF-8.</summary>
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body.Span);

    /// <summary>The value of a recorded header, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;
}
