namespace Candor.Protocols.Canonical;

/// <summary>The three wire dialects Candor speaks, to clients (surfaces) and to upstreams (providers).</summary>
public enum WireProtocol
{
    OpenAI,
    Anthropic,
    Gemini,
}
