using System.Text.Json;

namespace Candor.Protocols.Canonical;

/// <summary>One step of a response. Provider readers produce these from the upstream wire (streamed or
/// not); surface encoders turn them into the client's wire. A non-streamed response is the same events
/// gathered by <see cref="ChatResponseAccumulator"/>.
/// Order: one <see cref="ResponseStarted"/>; then per choice any number of content events; a
/// <see cref="ChoiceFinished"/> per choice; <see cref="UsageReported"/> may come at any point and more
/// than once (later figures win).</summary>
public abstract record ChatEvent;

/// <summary>The upstream accepted the request. Model is what the upstream reported it served.</summary>
public sealed record ResponseStarted(string Id, string? Model, long CreatedUnixSeconds) : ChatEvent
{
    public string? SystemFingerprint { get; init; }
}

/// <summary>Text appended to a choice.</summary>
public sealed record TextDelta(int Choice, string Text) : ChatEvent;

/// <summary>Reasoning text appended to a choice; the signature arrives as its own delta (Text empty).</summary>
public sealed record ThinkingDelta(int Choice, string Text, string? Signature = null) : ChatEvent
{
    /// <summary>The signature is the next part's own (Gemini's thoughtSignature on a function call or a text part), so it
    /// starts a block of its own rather than signing the reasoning before it.</summary>
    public bool StartsPart { get; init; }
}

/// <summary>An opaque redacted-thinking block.</summary>
public sealed record RedactedThinkingBlock(int Choice, string Data) : ChatEvent;

/// <summary>A tool call begins. ToolIndex counts tool calls within the choice from 0.</summary>
public sealed record ToolCallStarted(int Choice, int ToolIndex, string Id, string Name) : ChatEvent;

/// <summary>A fragment of a tool call's JSON arguments.</summary>
public sealed record ToolCallArgumentsDelta(int Choice, int ToolIndex, string Fragment) : ChatEvent;

/// <summary>Log probabilities for a choice's content tokens, as the OpenAI wire gives them (raw JSON array).</summary>
public sealed record LogprobsDelta(int Choice, JsonElement Content) : ChatEvent;

/// <summary>A choice ended. RawReason is the upstream's own word; StopSequence the matched sequence if known.</summary>
public sealed record ChoiceFinished(int Choice, FinishReason Reason, string? RawReason = null, string? StopSequence = null) : ChatEvent;

/// <summary>Usage as the upstream reported it so far (later reports merge over earlier ones).</summary>
public sealed record UsageReported(Usage Usage) : ChatEvent;

/// <summary>The upstream reported an error inside a stream that had already begun (Anthropic
/// <c>event: error</c>, an OpenAI-wire <c>{"error":…}</c> chunk).</summary>
public sealed record StreamFailed(RelayError Error) : ChatEvent;
