using Candor.Providers.Http;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Net.Http.Headers;
using System.Text.Json;
using Candor.Core.Configuration;
using Candor.Core.Receipts;
using Candor.Core.Upstream;
using Candor.Protocols.Canonical;
using Candor.Protocols.Codecs;
using Candor.Protocols.OpenAI;

namespace Candor.Providers.OpenAI;

/// <summary>The behaviour shared by every upstream that speaks the OpenAI chat completions wire:
/// URLs under the channel's base URL, bearer authentication, the OpenAI request encoder with the
/// vendor's <see cref="OpenAIRequestOptions"/>, the OpenAI-wire decoder, and OpenAI error bodies.
/// A vendor adapter overrides only what differs.</summary>
internal abstract class OpenAICompatibleAdapter : IProviderAdapter, ICompletionsUpstream
{
    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public WireProtocol Protocol => WireProtocol.OpenAI;

    /// <summary>Most choices (n) the vendor returns; null when it has no limit of its own.</summary>
    protected virtual int? MaxChoices => null;

    /// <summary>Most stop sequences the vendor accepts; null when it has no limit of its own.</summary>
    protected virtual int? MaxStopSequences => null;

    /// <summary>Whether the vendor takes image parts.</summary>
    protected virtual bool AcceptsImages => true;

    /// <summary>Whether the vendor takes inline file parts (PDF).</summary>
    protected virtual bool AcceptsFiles => false;

    /// <summary>Whether the vendor takes input_audio parts.</summary>
    protected virtual bool AcceptsAudio => false;

    /// <summary>Whether the vendor has an embeddings endpoint.</summary>
    protected virtual bool HasEmbeddings => true;

    /// <summary>Whether the vendor serves the media endpoint of <paramref name="kind"/> under its base URL (OpenAI's paths:
    /// images/generations, images/edits, audio/speech, audio/transcriptions, rerank, moderations). None by default: a
    /// vendor adapter opts in (docs/endpoints.md).</summary>
    protected virtual bool HasMedia(MediaKind kind) => false;

    /// <inheritdoc/>
    public virtual RelayError? CheckSupported(ChatRequest request)
    {
        if (MaxChoices is { } maxN && request.N > maxN)
        {
            return maxN == 1
                ? RelayError.BadRequest("The selected model does not support more than one choice; set 'n' to 1.", "n")
                : RelayError.BadRequest($"The selected model supports at most {maxN} choices ('n').", "n");
        }

        if (MaxStopSequences is { } maxStop && request.Stop.Count > maxStop)
        {
            return RelayError.BadRequest($"The selected model accepts at most {maxStop} stop sequence(s).", "stop");
        }

        foreach (var message in request.Messages)
        {
            foreach (var part in message.Parts)
            {
                var err = CheckPart(part);
                if (err is not null)
                {
                    return err;
                }

                if (part is ToolResultPart result)
                {
                    foreach (var inner in result.Content)
                    {
                        if (inner is FilePart)
                        {
                            return RelayError.BadRequest("The selected model does not accept files inside tool results.", "messages");
                        }
                    }
                }
            }
        }

        return null;
    }

    private RelayError? CheckPart(ContentPart part)
    {
        switch (part)
        {
            case ImagePart when !AcceptsImages:
                return RelayError.BadRequest("The selected model does not accept image input.", "messages");
            case FilePart { MediaType: { } mt } when mt.StartsWith("audio/", StringComparison.OrdinalIgnoreCase):
                return AcceptsAudio ? null : RelayError.BadRequest("The selected model does not accept audio input.", "messages");
            case FilePart when !AcceptsFiles:
                return RelayError.BadRequest("The selected model does not accept file input.", "messages");
            case FilePart { Base64Data: null }:
                return RelayError.BadRequest("The selected model accepts files only as inline data, not by URL.", "messages");
            default:
                return null;
        }
    }

    /// <summary>The encoder options for one request to one upstream model.</summary>
    protected virtual OpenAIRequestOptions CreateOptions(string upstreamModel, ChatRequest request) => OpenAIRequestOptions.OpenAI;

    /// <summary>Whether the vendor serves legacy completions (<c>{BaseUrl}/completions</c>) for <paramref name="upstreamModel"/>
    /// when the channel does not say (<c>legacy_completions</c>). None by default: a vendor adapter opts in.</summary>
    protected virtual bool ServesCompletionsByDefault(string upstreamModel) => false;

    /// <inheritdoc/>
    public bool ServesCompletions(ChannelSettings channel, string upstreamModel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.LegacyCompletions ?? ServesCompletionsByDefault(upstreamModel);
    }

    /// <summary>The legacy completions URL.</summary>
    protected virtual Uri CompletionsUri(ChannelSettings channel, string upstreamModel) => channel.UriUnder("completions");

    /// <inheritdoc/>
    public HttpRequestMessage CreateRawCompletionsRequest(ChannelSettings channel, string upstreamModel, bool stream, HttpContent body) =>
        Build(channel, CompletionsUri(channel, upstreamModel), body, stream);

    /// <inheritdoc/>
    public void WriteRedactedCompletionsBody(ReadOnlySpan<byte> clientBody, string upstreamModel, ChatRequest redacted, IBufferWriter<byte> output) =>
        OpenAICompletionsRequestWriter.Write(clientBody, upstreamModel, redacted, output);

    /// <inheritdoc/>
    public bool TryDecodeCompletionsRequest(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out ChatRequest? request) =>
        OpenAICompletionsRequestDecoder.TryDecodeDeferring(body, out request, out _);

    /// <inheritdoc/>
    public IChatUpstreamDecoder CreateCompletionsDecoder() => new OpenAIChatUpstreamDecoder(legacyCompletions: true);

    /// <inheritdoc/>
    public void Declare(ChatRequest request, string upstreamModel, List<Transformation> declared)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(declared);
        var options = CreateOptions(upstreamModel, request);
        DeclareDropped(request, options, declared);
        string? thinkingFields = ThinkingFields(options.ExtraFields);
        if (request.ReasoningEffort is { } effort && !options.ReasoningEffortSupported)
        {
            declared.Add(thinkingFields is not null && request.ThinkingBudget is null
                ? new Transformation(Transformation.Mapped, "reasoning_effort", effort + " -> " + thinkingFields)
                : new Transformation(Transformation.Omitted, "reasoning_effort", Name + " takes no reasoning_effort"));
        }

        if (request.ThinkingBudget is { } budget)
        {
            // The chat completions wire has no thinking budget: a vendor's own switch carries it, or nothing does.
            string value = budget.ToString(System.Globalization.CultureInfo.InvariantCulture);
            declared.Add(thinkingFields is not null
                ? new Transformation(Transformation.Mapped, "thinking_budget", value + " -> " + thinkingFields)
                : new Transformation(Transformation.Omitted, "thinking_budget", Name + " takes no thinking budget"));
        }
    }

    /// <summary>Declares <c>omitted</c> each parameter the client set that <paramref name="options"/> leave out of the body
    /// (the encoder writes none of them for a vendor that refuses or has no such field).</summary>
    private void DeclareDropped(ChatRequest request, OpenAIRequestOptions options, List<Transformation> declared)
    {
        void Omit(bool set, string target)
        {
            if (set)
            {
                declared.Add(new Transformation(Transformation.Omitted, target, Name + " takes no " + target));
            }
        }

        if (!options.SamplingSupported)
        {
            Omit(request.Temperature is not null, "temperature");
            Omit(request.TopP is not null, "top_p");
        }

        Omit(!options.SeedSupported && request.Seed is not null, "seed");
        if (!options.PenaltiesSupported)
        {
            Omit(request.PresencePenalty is not null, "presence_penalty");
            Omit(request.FrequencyPenalty is not null, "frequency_penalty");
        }

        if (!options.LogprobsSupported)
        {
            Omit(request.Logprobs is not null, "logprobs");
            Omit(request.TopLogprobs is not null, "top_logprobs");
        }
    }

    /// <summary>The vendor's thinking switch among the extra body fields (<c>enable_thinking</c>, <c>thinking_budget</c>,
    /// <c>thinking</c>), as JSON; null when the body carries none.</summary>
    private static string? ThinkingFields(System.Text.Json.Nodes.JsonObject? extra)
    {
        if (extra is null)
        {
            return null;
        }

        var fields = new System.Text.Json.Nodes.JsonObject();
        foreach (var (name, value) in extra)
        {
            if (name is "enable_thinking" or "thinking_budget" or "thinking")
            {
                fields[name] = value?.DeepClone();
            }
        }

        return fields.Count == 0 ? null : fields.ToJsonString();
    }

    /// <summary>The chat completions URL.</summary>
    protected virtual Uri ChatUri(ChannelSettings channel, string upstreamModel) => channel.UriUnder("chat/completions");

    /// <summary>The embeddings URL.</summary>
    protected virtual Uri EmbeddingsUri(ChannelSettings channel, string upstreamModel) => channel.UriUnder("embeddings");

    /// <summary>Adds the credential: <c>Authorization: Bearer</c> when the channel has a key.</summary>
    protected virtual void Authenticate(HttpRequestMessage message, ChannelSettings channel)
    {
        if (channel.BearerAuthorization is { } bearer)
        {
            message.Headers.TryAddWithoutValidation("Authorization", bearer);
        }
    }

    /// <inheritdoc/>
    public HttpRequestMessage CreateChatRequest(ChannelSettings channel, string upstreamModel, ChatRequest request)
    {
        var options = CreateOptions(upstreamModel, request);
        return Build(channel, ChatUri(channel, upstreamModel), PooledJsonContent.Create((request, upstreamModel, options), static (s, w) => OpenAIChatRequestEncoder.Write(s.request, s.upstreamModel, s.options, w)), request.Stream);
    }

    /// <inheritdoc/>
    public virtual bool SupportsRawForwarding(ChatRequest request) => false;

    /// <summary>True when a raw body can go out unchanged as far as usage goes: either the answer is not
    /// streamed, or the client itself asked for stream usage (which Candor needs for settlement).</summary>
    protected static bool UsageArrivesUnchanged(ChatRequest request) =>
        request.SourceProtocol == WireProtocol.OpenAI && (!request.Stream || request.IncludeUsage);

    /// <inheritdoc/>
    public HttpRequestMessage CreateRawChatRequest(ChannelSettings channel, string upstreamModel, bool stream, HttpContent body) =>
        Build(channel, ChatUri(channel, upstreamModel), body, stream);

    /// <inheritdoc/>
    public IChatUpstreamDecoder CreateDecoder(ChannelSettings channel) => new OpenAIChatUpstreamDecoder();

    /// <inheritdoc/>
    public string? ReadErrorType(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (error.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() is { Length: > 0 } t)
            {
                return t;
            }

            if (error.TryGetProperty("code", out var code))
            {
                return code.ValueKind switch
                {
                    JsonValueKind.String => code.GetString(),
                    JsonValueKind.Number => code.GetRawText(),
                    _ => null,
                };
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public HttpRequestMessage? CreateCountTokensRequest(ChannelSettings channel, string upstreamModel, ChatRequest request) => null;

    /// <inheritdoc/>
    public int? ReadCountTokens(ReadOnlySpan<byte> body) => null;

    /// <inheritdoc/>
    public HttpRequestMessage? CreateEmbeddingsRequest(ChannelSettings channel, string upstreamModel, EmbeddingRequest request)
    {
        if (!HasEmbeddings)
        {
            return null;
        }

        var body = PooledJsonContent.Create((request, upstreamModel), static (s, w) => OpenAIEmbeddingsCodec.WriteRequest(s.request, s.upstreamModel, w));
        return Build(channel, EmbeddingsUri(channel, upstreamModel), body, stream: false);
    }

    /// <inheritdoc/>
    public EmbeddingResponse ReadEmbeddings(ReadOnlySpan<byte> body) => OpenAIEmbeddingsCodec.ReadResponse(body);

    /// <inheritdoc/>
    public HttpRequestMessage? CreateMediaRequest(ChannelSettings channel, string upstreamModel, MediaRequest request)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(request);
        if (!HasMedia(request.Kind))
        {
            return null;
        }

        HttpContent body = OpenAIMediaCodec.IsMultipart(request.Kind)
            ? PooledFormContent.Create(request, upstreamModel)
            : PooledJsonContent.Create((request, upstreamModel), static (s, w) => OpenAIMediaCodec.WriteJson(s.request, s.upstreamModel, w));
        var message = Build(channel, Under(channel.BaseUrl, OpenAIMediaCodec.UpstreamPath(request.Kind)), body, stream: false);
        if (request.Kind == MediaKind.Speech)
        {
            // The answer is audio (mp3 by default, or the response_format asked for).
            message.Headers.Accept.Clear();
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));
        }

        return message;
    }

    /// <summary>Joins a relative path under a base URL, keeping the base's path and query-free form.</summary>
    protected static Uri Under(Uri baseUrl, string relative) => ChannelSettings.Join(baseUrl, relative);

    protected HttpRequestMessage Build(ChannelSettings channel, Uri uri, HttpContent body, bool stream)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = body };
        // Header texts as sent, set without parsing (a typed value is an object, a string and a header-store entry per request).
        message.Headers.TryAddWithoutValidation("Accept", stream ? "text/event-stream" : "application/json");
        Authenticate(message, channel);
        foreach (var (name, value) in channel.Headers)
        {
            // Channel headers override Candor's own (for example an Authorization scheme the vendor needs).
            message.Headers.Remove(name);
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }
}
