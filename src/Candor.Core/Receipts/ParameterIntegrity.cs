using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Core.Receipts;

/// <summary>The parameter-integrity audit: the forwarded request must keep the client's sampling and limit
/// parameters (max tokens, temperature, top-p/k, seed, stop, penalties, reasoning effort, thinking budget…)
/// unless a listed <see cref="Transformation"/> names the parameter. On the translated path the forwarded body
/// is decoded back with the upstream wire's own request decoder (<see cref="WireProfile"/>) and compared field by field; on the fast path
/// the body is the client's with only the model value replaced (<c>ModelFieldRewriter</c> copies every other
/// byte), so there is nothing else to compare.</summary>
internal static class ParameterIntegrity
{
    /// <summary>The transformations the translated path applies by design for <paramref name="target"/>: model
    /// mapping (in the URL for a wire that names the model there), the wire translation, and what the target's
    /// encoder adds (<see cref="WireProfile.Injected"/>: the default max tokens Anthropic requires, the usage option
    /// OpenAI streams need; <see cref="WireProfile.Emulated"/>: the system instruction that serves JSON mode on Anthropic;
    /// <see cref="WireProfile.Omitted"/> and <see cref="WireProfile.Mapped"/>: reasoning left out, or sent as the wire's own
    /// thinking budget). A vendor's own mappings are added by its adapter (<c>IProviderAdapter.Declare</c>).</summary>
    public static List<Transformation> Declared(ChatRequest client, string upstreamModel, WireProtocol target, bool fast)
    {
        ArgumentNullException.ThrowIfNull(client);
        var profile = WireProfile.For(target);
        var list = new List<Transformation>(3);
        if (!string.Equals(client.Model, upstreamModel, StringComparison.Ordinal))
        {
            list.Add(new(Transformation.ModelMapping, "model", client.Model + " -> " + upstreamModel + (fast && profile.ModelInUrl ? " (in the URL)" : "")));
        }

        if (fast)
        {
            return list;
        }

        if (client.SourceProtocol != target)
        {
            list.Add(new(Transformation.Translated, "wire", client.SourceProtocol.ToString().ToLowerInvariant() + " -> " + target.ToString().ToLowerInvariant()));
        }

        if (profile.Injected(client) is { } injected)
        {
            list.Add(new(Transformation.Injected, injected.Name, injected.Value));
        }

        if (profile.Emulated(client) is { } emulated)
        {
            list.Add(new(Transformation.Injected, emulated.Name, emulated.Value));
        }

        if (profile.Omitted(client) is { } omitted)
        {
            list.Add(new(Transformation.Omitted, omitted.Name, omitted.Value));
        }

        if (profile.Mapped(client) is { } mapped)
        {
            list.Add(new(Transformation.Mapped, mapped.Name, mapped.Value));
        }

        return list;
    }

    /// <summary>Decodes <paramref name="forwarded"/> (the upstream wire's body) and compares it with the client's
    /// request; returns the flags for differences no transformation lists (empty when intact).</summary>
    public static List<string> Check(ChatRequest client, ReadOnlySpan<byte> forwarded, WireProtocol target, string upstreamModel, IEnumerable<Transformation> listed)
    {
        ArgumentNullException.ThrowIfNull(client);
        return WireProfile.For(target).TryDecodeRequest(forwarded, upstreamModel, client.Stream, out var sent)
            ? Compare(client, sent, listed)
            : [AuditFlags.ForwardedUnreadable];
    }

    /// <summary>Compares the canonical parameters of the client's request and of the forwarded one.</summary>
    public static List<string> Compare(ChatRequest client, ChatRequest sent, IEnumerable<Transformation> listed)
    {
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in listed)
        {
            allowed.Add(t.Target);
            if (t.Kind == Transformation.Mapped && t.Target is "reasoning_effort" or "thinking_budget")
            {
                // One setting in two vocabularies: an effort sent as a budget (or a budget as a switch) changes both.
                allowed.Add("reasoning_effort");
                allowed.Add("thinking_budget");
            }
        }

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
