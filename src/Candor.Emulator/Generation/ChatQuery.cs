using System.Text.Json;

namespace Candor.Emulator.Generation;

/// <summary>How the request lets the model use tools.</summary>
internal enum ToolMode
{
    Auto,
    None,
    Required,
    Forced,
}

/// <summary>One message reduced to what generation and token counting need.</summary>
internal sealed record QueryMessage(string Role, string Text, int Images, bool IsToolResult);

/// <summary>A tool offered to the model; <see cref="Schema"/> is the JSON schema of its arguments (may be undefined).</summary>
internal sealed record QueryTool(string Name, string? Description, JsonElement Schema);

/// <summary>A chat request from any of the three wire formats, reduced to what the generator needs.</summary>
internal sealed class ChatQuery
{
    public required string Model { get; init; }
    public List<QueryMessage> Messages { get; } = [];
    public List<QueryTool> Tools { get; } = [];
    public ToolMode ToolMode { get; set; } = ToolMode.Auto;
    public string? ForcedTool { get; set; }
    public bool ParallelToolCalls { get; set; } = true;
    public int? MaxTokens { get; set; }
    public List<string> Stop { get; } = [];
    public int N { get; set; } = 1;
    public long? Seed { get; set; }

    /// <summary>The sampling temperature, null when the request sets none.</summary>
    public double? Temperature { get; set; }
    public bool Thinking { get; set; }
    public int? ThinkingBudget { get; set; }

    public int ImageCount => Messages.Sum(m => m.Images);

    public bool LastIsUserTurn => Messages.Count > 0 && Messages[^1] is { Role: "user", IsToolResult: false };
}
