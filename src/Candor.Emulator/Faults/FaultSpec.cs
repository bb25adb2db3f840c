using System.Globalization;

namespace Candor.Emulator.Faults;

/// <summary>
/// A parsed SPEC: <c>key=value</c> pairs separated by <c>;</c> (keys without a value, like <c>hang</c>, are flags).
/// Unknown keys are ignored so a newer test against an older emulator degrades instead of failing.
/// </summary>
internal sealed record FaultSpec
{
    public static readonly FaultSpec Empty = new();

    public string? Reply { get; init; }
    public int? Tokens { get; init; }
    public int? LatencyMs { get; init; }
    public int? TtftMs { get; init; }
    public int? ChunkMs { get; init; }
    public int? Status { get; init; }
    public int? RetryAfter { get; init; }
    public bool Hang { get; init; }
    public int? DisconnectAfter { get; init; }
    public bool MalformedSse { get; init; }

    /// <summary>Frames SSE events with CRLF, as Gemini's own <c>alt=sse</c> stream does (<c>crlf</c>).</summary>
    public bool CrLf { get; init; }
    public bool WrongContentType { get; init; }
    public string? ServeModel { get; init; }
    public string? ReportModel { get; init; }
    public int? InflateUsage { get; init; }
    public int? LowerMaxTokens { get; init; }
    public bool EchoError { get; init; }
    public int? CachedTokens { get; init; }
    public string? MixModel { get; init; }
    public double? MixRate { get; init; }

    /// <summary>When tools are offered and the model would call one: call the tool of this name (<c>tool=NAME</c>), if
    /// offered, instead of the first.</summary>
    public string? Tool { get; init; }

    /// <summary>The arguments of that call, as JSON (<c>tool_args=JSON</c>), instead of ones generated from its schema.</summary>
    public string? ToolArgs { get; init; }

    /// <summary>A cheat that spares what it recognises (<c>spare_seen</c>): a conversation this spec has seen before is
    /// answered by the requested model, whatever <c>serve_model</c> or <c>mix_model</c> say, so a repeated or public
    /// canary prompt is answered honestly while new traffic is cheated on.</summary>
    public bool SpareSeen { get; init; }

    /// <summary>A cheat that spares what it knows (<c>spare_known</c>): a request that
    /// <see cref="EmulatorOptions.Recognises"/> calls a probe is answered by the requested model, whatever
    /// <c>serve_model</c> or <c>mix_model</c> say (an upstream that knows how a relay makes its probes).</summary>
    public bool SpareKnown { get; init; }

    public static FaultSpec Parse(string? spec)
    {
        if (string.IsNullOrWhiteSpace(spec))
        {
            return Empty;
        }

        var result = new FaultSpec();
        foreach (var rawPair in spec.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = rawPair.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? rawPair : rawPair[..eq]).Trim().ToLowerInvariant();
            var value = eq < 0 ? null : rawPair[(eq + 1)..];
            result = key switch
            {
                "reply" => result with { Reply = value ?? string.Empty },
                "tokens" => result with { Tokens = Int(value) ?? result.Tokens },
                "latency_ms" => result with { LatencyMs = Int(value) ?? result.LatencyMs },
                "ttft_ms" => result with { TtftMs = Int(value) ?? result.TtftMs },
                "chunk_ms" => result with { ChunkMs = Int(value) ?? result.ChunkMs },
                "status" => result with { Status = Int(value) ?? result.Status },
                "retry_after" => result with { RetryAfter = Int(value) ?? result.RetryAfter },
                "hang" => result with { Hang = Flag(value) },
                "disconnect_after" => result with { DisconnectAfter = Int(value) ?? result.DisconnectAfter },
                "malformed_sse" => result with { MalformedSse = Flag(value) },
                "crlf" => result with { CrLf = Flag(value) },
                "wrong_content_type" => result with { WrongContentType = Flag(value) },
                "serve_model" => result with { ServeModel = NonEmpty(value) ?? result.ServeModel },
                "report_model" => result with { ReportModel = NonEmpty(value) ?? result.ReportModel },
                "inflate_usage" => result with { InflateUsage = Int(value) ?? result.InflateUsage },
                "lower_max_tokens" => result with { LowerMaxTokens = Int(value) ?? result.LowerMaxTokens },
                "echo_error" => result with { EchoError = Flag(value) },
                "cached_tokens" => result with { CachedTokens = Int(value) ?? result.CachedTokens },
                "mix_model" => result with { MixModel = NonEmpty(value) ?? result.MixModel },
                "mix_rate" => result with { MixRate = Fraction(value) ?? result.MixRate },
                "tool" => result with { Tool = NonEmpty(value) ?? result.Tool },
                "tool_args" => result with { ToolArgs = NonEmpty(value) ?? result.ToolArgs },
                "spare_seen" => result with { SpareSeen = Flag(value) },
                "spare_known" => result with { SpareKnown = Flag(value) },
                _ => result,
            };
        }

        return result;
    }

    /// <summary>Overlays <paramref name="other"/> on this spec: values set in <paramref name="other"/> win.</summary>
    public FaultSpec Merge(FaultSpec? other)
    {
        if (other is null || ReferenceEquals(other, Empty))
        {
            return this;
        }

        return new FaultSpec
        {
            Reply = other.Reply ?? Reply,
            Tokens = other.Tokens ?? Tokens,
            LatencyMs = other.LatencyMs ?? LatencyMs,
            TtftMs = other.TtftMs ?? TtftMs,
            ChunkMs = other.ChunkMs ?? ChunkMs,
            Status = other.Status ?? Status,
            RetryAfter = other.RetryAfter ?? RetryAfter,
            Hang = other.Hang || Hang,
            DisconnectAfter = other.DisconnectAfter ?? DisconnectAfter,
            MalformedSse = other.MalformedSse || MalformedSse,
            CrLf = other.CrLf || CrLf,
            WrongContentType = other.WrongContentType || WrongContentType,
            ServeModel = other.ServeModel ?? ServeModel,
            ReportModel = other.ReportModel ?? ReportModel,
            InflateUsage = other.InflateUsage ?? InflateUsage,
            LowerMaxTokens = other.LowerMaxTokens ?? LowerMaxTokens,
            EchoError = other.EchoError || EchoError,
            CachedTokens = other.CachedTokens ?? CachedTokens,
            MixModel = other.MixModel ?? MixModel,
            MixRate = other.MixRate ?? MixRate,
            Tool = other.Tool ?? Tool,
            ToolArgs = other.ToolArgs ?? ToolArgs,
            SpareSeen = other.SpareSeen || SpareSeen,
            SpareKnown = other.SpareKnown || SpareKnown,
        };
    }

    private static int? Int(string? value) =>
        int.TryParse(value?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static double? Fraction(string? value) =>
        double.TryParse(value?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 && d <= 1 ? d : null;

    private static bool Flag(string? value) =>
        value is null || !(value.Trim() is "0" or "false" or "False");

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
