using Candor.Protocols.Canonical;
using Microsoft.ML.Tokenizers;

namespace Candor.Core.Accounting;

/// <summary>Candor's own prompt-token count, used when the upstream has no counter of its own (or speaks
/// another protocol than the client asked in). It uses the o200k_base tokenizer (GPT-4o family) over
/// every text the request carries, plus fixed overheads: 3 tokens per message and 3 to prime the reply
/// (OpenAI's documented chat framing), 85 per image (OpenAI's low-detail cost) and the tokens of each
/// tool's name, description and JSON schema. For non-OpenAI models it is an estimate, labelled as such
/// (header x-candor-count-source: estimate).</summary>
public sealed class TokenEstimator
{
    private static readonly Lazy<Tokenizer> O200k = new(static () => TiktokenTokenizer.CreateForModel("gpt-4o"));

    public int CountText(string text) => string.IsNullOrEmpty(text) ? 0 : O200k.Value.CountTokens(text);

    public int CountPrompt(ChatRequest request)
    {
        int total = 3;
        foreach (var message in request.Messages)
        {
            total += 3;
            if (message.Name is { } name)
            {
                total += 1 + CountText(name);
            }

            foreach (var part in message.Parts)
            {
                total += CountPart(part);
            }
        }

        foreach (var tool in request.Tools)
        {
            total += 8 + CountText(tool.Name) + CountText(tool.Description ?? "");
            if (tool.Parameters is { } schema)
            {
                total += CountText(schema.GetRawText());
            }
        }

        return total;
    }

    private int CountPart(ContentPart part) => part switch
    {
        TextPart t => CountText(t.Text),
        ImagePart => 85,
        FilePart => 85,
        ToolCallPart c => 3 + CountText(c.Name) + CountText(c.ArgumentsJson),
        ToolResultPart r => 3 + r.Content.Sum(CountPart),
        ThinkingPart th => CountText(th.Text),
        _ => 0,
    };
}
