using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;

namespace Candor.Protocols.OpenAI;

/// <summary>Decodes a client's legacy <c>POST /v1/completions</c> body into the canonical request: each prompt becomes one
/// user message, which every upstream wire can carry (chat models answer it rather than continue it raw). Decoded:
/// model, prompt (a string, or an array of strings), max_tokens (OpenAI's default of 16 when absent), temperature, top_p,
/// stop, presence/frequency penalties, seed, user, stream, stream_options.include_usage, and a non-empty logit_bias (kept
/// for OpenAI-wire upstreams). What has no chat equivalent — several prompts, n or best_of above 1, echo, logprobs and a
/// suffix — only an upstream that serves legacy completions itself can take: <see cref="TryDecode"/> refuses it with a
/// 400 naming the parameter, <see cref="TryDecodeDeferring"/> records that refusal in <see cref="ChatRequest.ServerState"/>
/// (the relay answers it on every attempt that translates). Token-array prompts are refused either way: Candor can
/// neither redact nor count one tokenizer's ids. Other fields are not forwarded when translated.</summary>
public static class OpenAICompletionsRequestDecoder
{
    /// <summary>OpenAI's max_tokens when a completions request gives none.</summary>
    public const int DefaultMaxTokens = 16;

    private const int MaxDepth = 64;

    /// <summary>Decodes the body where it lies; a 400 <see cref="RelayError"/> in OpenAI's terms on failure, and for what only
    /// a legacy completions upstream serves.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error) =>
        Decode(body, defer: false, out request, out error);

    /// <summary>Decodes the body where it lies, recording what only a legacy completions upstream serves in
    /// <see cref="ChatRequest.ServerState"/> instead of refusing it.</summary>
    public static bool TryDecodeDeferring(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error) =>
        Decode(body, defer: true, out request, out error);

    private static bool Decode(ReadOnlyMemory<byte> body, bool defer, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out RelayError? error)
    {
        request = null;
        if (!InvalidText.IsText(body.Span))
        {
            error = InvalidText.Error;
            return false;
        }

        if (!JsonBody.TryParse(body, MaxDepth, out var doc))
        {
            error = OpenAIChatRequestDecoder.InvalidJson();
            return false;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = RelayError.BadRequest("The request body must be a JSON object.");
                return false;
            }

            var result = new ChatRequest { SourceProtocol = WireProtocol.OpenAI, DefersServerState = defer };
            List<string>? prompts = null;
            int choices = 1;
            error = null;
            foreach (var prop in root.EnumerateObject())
            {
                error = Read(prop, result, ref prompts, ref choices);
                if (error is not null)
                {
                    return false;
                }
            }

            if (result.Model.Length == 0)
            {
                error = RelayError.BadRequest("you must provide a model parameter", "model");
                return false;
            }

            if (prompts is null)
            {
                error = RelayError.BadRequest("Missing required parameter: 'prompt'.", "prompt");
                return false;
            }

            result.MaxOutputTokens ??= DefaultMaxTokens;
            foreach (string prompt in prompts)
            {
                result.Messages.Add(ChatMessage.Text(ChatRole.User, prompt));
            }

            // Every completion of every prompt is generated and billed: the reservation covers them all.
            if (prompts.Count * choices > 1)
            {
                result.N = prompts.Count * choices;
            }

            request = result;
            return true;
        }
    }

    private static RelayError? Read(JsonProperty prop, ChatRequest r, ref List<string>? prompts, ref int choices)
    {
        var v = prop.Value;
        switch (prop.Name)
        {
            case "model":
                if (v.ValueKind != JsonValueKind.String)
                {
                    return OpenAIChatRequestDecoder.WrongType("model", "a string");
                }

                r.Model = v.GetString()!;
                return null;
            case "prompt":
                return ReadPrompt(v, r, out prompts);
            case "max_tokens":
            {
                var err = OpenAIChatRequestDecoder.ReadInt(v, "max_tokens", out var max);
                r.MaxOutputTokens = max;
                return err;
            }

            case "temperature":
            {
                var err = OpenAIChatRequestDecoder.ReadDouble(v, "temperature", out var temperature);
                r.Temperature = temperature;
                return err;
            }

            case "top_p":
            {
                var err = OpenAIChatRequestDecoder.ReadDouble(v, "top_p", out var topP);
                r.TopP = topP;
                return err;
            }

            case "presence_penalty":
            {
                var err = OpenAIChatRequestDecoder.ReadDouble(v, "presence_penalty", out var penalty);
                r.PresencePenalty = penalty;
                return err;
            }

            case "frequency_penalty":
            {
                var err = OpenAIChatRequestDecoder.ReadDouble(v, "frequency_penalty", out var penalty);
                r.FrequencyPenalty = penalty;
                return err;
            }

            case "seed":
                if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long seed))
                {
                    r.Seed = seed;
                    return null;
                }

                return v.ValueKind == JsonValueKind.Null ? null : OpenAIChatRequestDecoder.WrongType("seed", "an integer");
            case "user":
            {
                var err = OpenAIChatRequestDecoder.ReadString(v, "user", out var user);
                r.User = user;
                return err;
            }

            case "stop":
                return OpenAIChatRequestDecoder.ReadStop(v, r);
            case "stream":
            {
                var err = OpenAIChatRequestDecoder.ReadBool(v, "stream", out var stream);
                r.Stream = stream ?? false;
                return err;
            }

            case "stream_options":
                return OpenAIChatRequestDecoder.ReadStreamOptions(v, r);
            case "n":
            case "best_of":
            {
                var err = OpenAIChatRequestDecoder.ReadInt(v, prop.Name, out var count);
                if (err is not null || count is null or 1)
                {
                    return err;
                }

                if (count < 1)
                {
                    return RelayError.BadRequest($"'{prop.Name}' must be at least 1.", prop.Name);
                }

                choices = Math.Max(choices, count.Value);
                return Unsupported(r, prop.Name, $"'{prop.Name}' above 1 is not supported on /v1/completions by this relay; send one request per completion.");
            }

            case "echo":
            {
                var err = OpenAIChatRequestDecoder.ReadBool(v, "echo", out var echo);
                return err ?? (echo == true ? Unsupported(r, "echo", "'echo' is not supported on /v1/completions by this relay.") : null);
            }

            case "logprobs":
                return v.ValueKind == JsonValueKind.Null ? null : Unsupported(r, "logprobs", "'logprobs' is not supported on /v1/completions by this relay.");
            case "suffix":
                if (v.ValueKind == JsonValueKind.Null || (v.ValueKind == JsonValueKind.String && v.GetString()!.Length == 0))
                {
                    return null;
                }

                if (r.DefersServerState && v.ValueKind == JsonValueKind.String)
                {
                    // Kept where the redaction stage scans every string, so a same-wire body carries the redacted suffix.
                    r.Unmapped ??= [];
                    r.Unmapped["suffix"] = v.GetString();
                }

                return Unsupported(r, "suffix", "'suffix' (insertion) is not supported on /v1/completions by this relay.");
            case "logit_bias":
                if (v.ValueKind == JsonValueKind.Object && v.EnumerateObject().Any())
                {
                    r.Unmapped ??= [];
                    r.Unmapped["logit_bias"] = JsonNode.Parse(v.GetRawText());
                    return null;
                }

                return v.ValueKind is JsonValueKind.Object or JsonValueKind.Null ? null : OpenAIChatRequestDecoder.WrongType("logit_bias", "an object");
            default:
                return null;
        }
    }

    private static RelayError? ReadPrompt(JsonElement v, ChatRequest r, out List<string>? prompts)
    {
        prompts = null;
        if (v.ValueKind == JsonValueKind.String)
        {
            prompts = [v.GetString()!];
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            return OpenAIChatRequestDecoder.WrongType("prompt", "a string or an array of strings");
        }

        int count = v.GetArrayLength();
        if (count == 0)
        {
            return RelayError.BadRequest("Invalid 'prompt': empty array. Expected an array with minimum length 1.", "prompt");
        }

        var list = new List<string>(count);
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind is JsonValueKind.Number or JsonValueKind.Array)
            {
                return RelayError.BadRequest("Token arrays are not supported as 'prompt' by this relay; send text.", "prompt");
            }

            if (item.ValueKind != JsonValueKind.String)
            {
                return OpenAIChatRequestDecoder.WrongType("prompt", "a string or an array of strings");
            }

            list.Add(item.GetString()!);
        }

        prompts = list;
        return count > 1
            ? Unsupported(r, "prompt", "Several prompts in one request are not supported on /v1/completions by this relay; send one prompt per request.")
            : null;
    }

    /// <summary>A parameter only a legacy completions upstream serves: refused, or deferred to the relay (which answers it
    /// on a translated attempt) when the caller decodes with deferral.</summary>
    private static RelayError? Unsupported(ChatRequest r, string param, string message)
    {
        if (!r.DefersServerState)
        {
            return RelayError.BadRequest(message, param);
        }

        r.ServerState ??= RelayError.BadRequest(
            message.Replace("by this relay", "when the model's upstream translates to chat", StringComparison.Ordinal)
            + " An upstream that serves legacy completions itself takes it (docs/clients.md).", param);
        return null;
    }
}
