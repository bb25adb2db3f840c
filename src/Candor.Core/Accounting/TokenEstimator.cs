using Candor.Protocols.Canonical;

namespace Candor.Core.Accounting;

/// <summary>Candor's own prompt-token count, used when the upstream has no counter of its own (or speaks
/// another protocol than the client asked in). It uses the o200k_base tokenizer (GPT-4o family) over
/// every text the request carries, plus fixed overheads: 3 tokens per message and 3 to prime the reply
/// (OpenAI's documented chat framing), 85 per image (OpenAI's low-detail cost) and the tokens of each
/// tool's name, description and JSON schema. For non-OpenAI models it is an estimate, labelled as such
/// (header x-candor-count-source: estimate). The overloads that take a model use that model's tokenizer
/// (cl100k_base for gpt-4 and gpt-3.5; see <see cref="TokenCounter"/>).</summary>
internal sealed class TokenEstimator
{
    /// <summary>Counts a text with o200k_base.</summary>
    public int CountText(string text) => CountText(TiktokenEncoding.O200kBase, text);

    /// <summary>Counts the prompt of <paramref name="request"/> with o200k_base.</summary>
    public int CountPrompt(ChatRequest request) => CountPrompt(request, TiktokenEncoding.O200kBase);

    /// <summary>Counts the prompt of <paramref name="request"/> with <paramref name="model"/>'s tokenizer
    /// (exact for OpenAI families, an o200k estimate otherwise).</summary>
    public int CountPrompt(ChatRequest request, string model) => CountPrompt(request, TokenCounter.EncodingFor(model));

    private static int CountText(TiktokenEncoding encoding, string text) => string.IsNullOrEmpty(text) ? 0 : encoding.CountTokens(text);

    private static int CountPrompt(ChatRequest request, TiktokenEncoding encoding)
    {
        int total = 3;
        foreach (var message in request.Messages)
        {
            total += 3;
            if (message.Name is { } name)
            {
                total += 1 + CountText(encoding, name);
            }

            foreach (var part in message.Parts)
            {
                total += CountPart(encoding, part);
            }
        }

        foreach (var tool in request.Tools)
        {
            total += 8 + CountText(encoding, tool.Name) + CountText(encoding, tool.Description ?? "");
            if (tool.Parameters is { } schema)
            {
                total += CountText(encoding, schema.GetRawText());
            }
        }

        return total;
    }

    private static int CountPart(TiktokenEncoding encoding, ContentPart part) => part switch
    {
        TextPart t => CountText(encoding, t.Text),
        ImagePart => 85,
        FilePart => 85,
        ToolCallPart c => 3 + CountText(encoding, c.Name) + CountText(encoding, c.ArgumentsJson),
        ToolResultPart r => 3 + r.Content.Sum(p => CountPart(encoding, p)),
        ThinkingPart th => CountText(encoding, th.Text),
        _ => 0,
    };
}
