namespace Candor.Protocols.Codecs;

/// <summary>A parameter an upstream request encoder adds that the client did not send (named in canonical terms), and
/// the value it adds.</summary>
/// <param name="Name">The canonical parameter, for example <c>max_output_tokens</c>.</param>
/// <param name="Value">What the encoder sends, as text.</param>
public readonly record struct InjectedParameter(string Name, string Value);
