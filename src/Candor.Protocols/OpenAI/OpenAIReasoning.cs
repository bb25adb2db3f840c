using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.OpenAI;

/// <summary>Carries signed reasoning through the OpenAI chat wire, which has no field for it, so that a tool loop of an
/// OpenAI client round-trips against upstreams that require their reasoning back (docs/providers.md, "Reasoning across
/// wires").
/// <list type="bullet">
/// <item><c>reasoning_signature</c>, beside <c>reasoning_content</c> on the assistant message (and in stream deltas)
/// when the client asked for reasoning (<see cref="Requested"/>): an opaque string, <c>cr1.</c> then the unpadded base64url of a JSON array of the turn's signed blocks in order,
/// <c>{"type":"thinking","thinking":…,"signature":…}</c> and <c>{"type":"redacted_thinking","data":…}</c> (Anthropic's
/// own shapes). Streams repeat the whole value each time a block completes, so a client that keeps the last value of a
/// delta field (the openai SDK's accumulator does) holds every block. Sent back on the assistant message, it restores
/// the blocks exactly, whatever became of <c>reasoning_content</c>.</item>
/// <item>A signature that belongs to a tool call (Gemini's <c>thoughtSignature</c> on a functionCall part) travels in
/// the call's id: <c>&lt;id&gt;__candor_ts_&lt;base64url of the signature&gt;</c>, which every client sends back with the call
/// and its result; the decoder splits it off again.</item>
/// </list></summary>
internal static class OpenAIReasoning
{
    /// <summary>The request and response field.</summary>
    public const string Field = "reasoning_signature";

    private const string Prefix = "cr1.";
    private const string IdMarker = "__candor_ts_";

    /// <summary>Whether the client asked for reasoning (a reasoning effort other than none or minimal, a thinking
    /// budget, or a thinking object): only then does the answer carry <see cref="Field"/>. Call ids carry a call's
    /// signature in any case, since Gemini 3 reasons, and needs the signature back, unasked.</summary>
    public static bool Requested(ChatRequest request) =>
        request.ThinkingBudget > 0 || request.ReasoningEffort is { } effort && effort is not ("none" or "minimal")
        || request.Unmapped?.ContainsKey("thinking") == true;

    /// <summary>The carrier for <paramref name="blocks"/> (signed <see cref="ThinkingPart"/>s and <see cref="RedactedThinkingPart"/>s).</summary>
    public static string Encode(IEnumerable<ContentPart> blocks)
    {
        var json = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(json, OpenAIWire.WriterOptions))
        {
            w.WriteStartArray();
            foreach (var block in blocks)
            {
                w.WriteStartObject();
                switch (block)
                {
                    case ThinkingPart th:
                        w.WriteString("type"u8, "thinking"u8);
                        w.WriteString("thinking"u8, th.Text);
                        w.WriteString("signature"u8, th.Signature);
                        break;
                    case RedactedThinkingPart r:
                        w.WriteString("type"u8, "redacted_thinking"u8);
                        w.WriteString("data"u8, r.Data);
                        break;
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        return Prefix + Base64Url.EncodeToString(json.WrittenSpan);
    }

    /// <summary>Reads a carrier back into its blocks; false (nothing added) for a value that is not one.</summary>
    public static bool TryDecode(string carrier, List<ContentPart> blocks)
    {
        if (!carrier.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        byte[] json;
        try
        {
            json = Base64Url.DecodeFromChars(carrier.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            return false;
        }

        var read = new List<ContentPart>();
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("type"u8, out var type))
                {
                    return false;
                }

                if (type.ValueEquals("thinking"u8) && String(item, "thinking") is { } text && String(item, "signature") is { } signature)
                {
                    read.Add(new ThinkingPart(text) { Signature = signature });
                }
                else if (type.ValueEquals("redacted_thinking"u8) && String(item, "data") is { } data)
                {
                    read.Add(new RedactedThinkingPart(data));
                }
                else
                {
                    return false;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        blocks.AddRange(read);
        return true;
    }

    /// <summary>A tool call's id carrying <paramref name="signature"/>.</summary>
    public static string IdWithSignature(string id, string signature) =>
        id + IdMarker + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(signature));

    /// <summary>Splits a signature carried in a tool call's id off it: the id Candor got from the upstream and the
    /// signature; the id unchanged and null when it carries none.</summary>
    public static string SplitId(string id, [NotNullWhen(true)] out string? signature)
    {
        signature = null;
        int at = id.LastIndexOf(IdMarker, StringComparison.Ordinal);
        if (at < 0)
        {
            return id;
        }

        var encoded = id.AsSpan(at + IdMarker.Length);
        if (encoded.IsEmpty || !Base64Url.IsValid(encoded))
        {
            return id;
        }

        signature = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(encoded));
        return id[..at];
    }

    private static string? String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
