using System.Globalization;
using Candor.Protocols.Anthropic;
using Candor.Protocols.Canonical;
using Candor.Protocols.Gemini;
using Candor.Protocols.OpenAI;

namespace Candor.Core.Receipts;

/// <summary>The parameter-integrity audit: the forwarded request must keep the client's sampling and limit
/// parameters (max tokens, temperature, top-p/k, seed, stop, penalties, reasoning effort, thinking budget…)
/// unless a listed <see cref="Transformation"/> names the parameter. On the translated path the forwarded body
/// is decoded back with the upstream wire's own request decoder and compared field by field; on the fast path
/// the body is the client's with only the model value replaced (<c>ModelFieldRewriter</c> copies every other
/// byte), so there is nothing else to compare.</summary>
public static class ParameterIntegrity
{
    /// <summary>The transformations the translated path applies by design for <paramref name="target"/>: model
    /// mapping, the default max tokens Anthropic requires, the usage option OpenAI streams need.</summary>
    public static List<Transformation> Declared(ChatRequest client, string upstreamModel, WireProtocol target, bool fast)
    {
        var list = new List<Transformation>(3);
        if (!string.Equals(client.Model, upstreamModel, StringComparison.Ordinal) && !(fast && target == WireProtocol.Gemini))
        {
            list.Add(new(Transformation.ModelMapping, "model", client.Model + " -> " + upstreamModel));
        }
        else if (fast && target == WireProtocol.Gemini && !string.Equals(client.Model, upstreamModel, StringComparison.Ordinal))
        {
            list.Add(new(Transformation.ModelMapping, "model", client.Model + " -> " + upstreamModel + " (in the URL)"));
        }

        if (fast)
        {
            return list;
        }

        if (client.SourceProtocol != target)
        {
            list.Add(new(Transformation.Translated, "wire", client.SourceProtocol.ToString().ToLowerInvariant() + " -> " + target.ToString().ToLowerInvariant()));
        }

        if (target == WireProtocol.Anthropic && client.MaxOutputTokens is null)
        {
            int budget = client.ThinkingBudget ?? 0;
            list.Add(new(Transformation.Injected, "max_output_tokens",
                (budget > 0 ? budget + AnthropicRequestEncoder.DefaultMaxTokens : AnthropicRequestEncoder.DefaultMaxTokens).ToString(CultureInfo.InvariantCulture)));
        }

        if (target == WireProtocol.OpenAI && client.Stream && !client.IncludeUsage)
        {
            list.Add(new(Transformation.Injected, "stream_options.include_usage", "true"));
        }

        return list;
    }

    /// <summary>Decodes <paramref name="forwarded"/> (the upstream wire's body) and compares it with the client's
    /// request; returns the flags for differences no transformation lists (empty when intact).</summary>
    public static List<string> Check(ChatRequest client, ReadOnlySpan<byte> forwarded, WireProtocol target, string upstreamModel, IEnumerable<Transformation> listed)
    {
        ChatRequest? sent;
        bool ok = target switch
        {
            WireProtocol.OpenAI => OpenAIChatRequestDecoder.TryDecode(forwarded, out sent, out _),
            WireProtocol.Anthropic => AnthropicRequestDecoder.TryDecode(forwarded, out sent, out _),
            WireProtocol.Gemini => GeminiRequestDecoder.TryDecode(forwarded, upstreamModel, client.Stream, out sent, out _),
            _ => (sent = null) is not null,
        };
        return ok && sent is not null ? Compare(client, sent, listed) : [AuditFlags.ForwardedUnreadable];
    }

    /// <summary>Compares the canonical parameters of the client's request and of the forwarded one.</summary>
    public static List<string> Compare(ChatRequest client, ChatRequest sent, IEnumerable<Transformation> listed)
    {
        var allowed = new HashSet<string>(listed.Select(static t => t.Target), StringComparer.Ordinal);
        var flags = new List<string>();
        void Check<T>(string name, T? a, T? b)
        {
            if (!EqualityComparer<T?>.Default.Equals(a, b) && !allowed.Contains(name))
            {
                flags.Add(AuditFlags.ParameterChangedPrefix + name);
            }
        }

        Check("max_output_tokens", client.MaxOutputTokens, sent.MaxOutputTokens);
        Check("temperature", client.Temperature, sent.Temperature);
        Check("top_p", client.TopP, sent.TopP);
        Check("top_k", client.TopK, sent.TopK);
        Check("seed", client.Seed, sent.Seed);
        Check("presence_penalty", client.PresencePenalty, sent.PresencePenalty);
        Check("frequency_penalty", client.FrequencyPenalty, sent.FrequencyPenalty);
        Check("reasoning_effort", client.ReasoningEffort, sent.ReasoningEffort);
        Check("thinking_budget", client.ThinkingBudget, sent.ThinkingBudget);
        Check("n", client.N is null or 1 ? null : client.N, sent.N is null or 1 ? null : sent.N);
        Check("stream", client.Stream, sent.Stream);
        Check("stop", string.Join('\u0001', client.Stop), string.Join('\u0001', sent.Stop));
        Check("tools", client.Tools.Count, sent.Tools.Count);
        Check("messages", client.Messages.Count, sent.Messages.Count);
        return flags;
    }
}
