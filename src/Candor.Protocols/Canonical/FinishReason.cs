namespace Candor.Protocols.Canonical;

/// <summary>Why a choice ended, in canonical terms.</summary>
public enum FinishReason
{
    /// <summary>Natural end (OpenAI stop, Anthropic end_turn, Gemini STOP).</summary>
    EndTurn,

    /// <summary>A stop sequence matched (OpenAI stop, Anthropic stop_sequence, Gemini STOP).</summary>
    StopSequence,

    /// <summary>Output limit reached (OpenAI length, Anthropic max_tokens, Gemini MAX_TOKENS).</summary>
    MaxTokens,

    /// <summary>The model called tools (OpenAI tool_calls, Anthropic tool_use, Gemini STOP with functionCall parts).</summary>
    ToolCalls,

    /// <summary>Output withheld by a filter (OpenAI content_filter, Anthropic refusal, Gemini SAFETY and kin).</summary>
    ContentFilter,

    /// <summary>Anthropic pause_turn (a long-running turn paused).</summary>
    PauseTurn,

    /// <summary>Anything else; the raw value is kept on the event.</summary>
    Other,
}
