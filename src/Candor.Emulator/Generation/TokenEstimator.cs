namespace Candor.Emulator.Generation;

/// <summary>
/// The prompt token estimator shared by generation and the count-tokens endpoints:
/// words in every message text (system included) + 4 per message + 85 per image + 8 per tool definition
/// + the words of each tool's description.
/// </summary>
internal static class TokenEstimator
{
    public const int PerMessage = 4;
    public const int PerImage = 85;
    public const int PerTool = 8;

    public static int Count(ChatQuery query)
    {
        var total = 0;
        foreach (var message in query.Messages)
        {
            total += Words.Count(message.Text) + PerMessage + (PerImage * message.Images);
        }

        foreach (var tool in query.Tools)
        {
            total += PerTool + Words.Count(tool.Description);
        }

        return total;
    }
}
