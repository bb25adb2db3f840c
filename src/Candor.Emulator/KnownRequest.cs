namespace Candor.Emulator;

/// <summary>What a <c>spare_known</c> cheat looks at to tell a probe from traffic (<see cref="EmulatorOptions.Recognises"/>).</summary>
/// <param name="System">The system message, or null.</param>
/// <param name="User">The last user message's text.</param>
/// <param name="MaxTokens">The max-tokens limit, or null.</param>
/// <param name="Tools">The names of the tools offered.</param>
public sealed record KnownRequest(string? System, string User, int? MaxTokens, IReadOnlyList<string> Tools);
