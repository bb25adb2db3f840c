using System.Globalization;

namespace Candor.Core.Audit;

/// <summary>
/// Asks a target's trusted reference model to write the prompts of the private probe bank (<see cref="PrivateProbeBank"/>),
/// and reads them out of its answer. The request names only a broad area of life, a kind of request and a style, drawn
/// under the secret seed (<see cref="ProbeGenerator.WritingRequest"/>); the reference picks the subject and words at
/// temperature 1, so the prompts are not in any space the public source spans. Only the reference sees the request;
/// the audited channel sees only the prompts, one at a time, as ordinary traffic.
/// </summary>
internal static class ProbeWriter
{
    private static readonly System.Buffers.SearchValues<char> SentenceEnds = System.Buffers.SearchValues.Create(".?!。？！");

    /// <summary>Prompts asked for per writing request.</summary>
    public const int PerRequest = 10;

    /// <summary>The shortest prompt kept, in characters (4 for one with CJK characters): a shorter one is a fragment, or
    /// a greeting any seed's grammar makes.</summary>
    public const int MinPromptChars = 8;

    /// <summary>The longest prompt kept, in characters (a longer one is cut at its last sentence end within it).</summary>
    public const int MaxPromptChars = 6000;

    /// <summary>Broad areas of life a writing request names; the reference picks the subject.</summary>
    public static IReadOnlyList<string> Areas { get; } =
    [
        "cooking and food", "personal finance", "software development", "travel", "health and fitness", "science",
        "history", "work and careers", "relationships and family", "language learning", "home repair", "gardening",
        "music", "films and books", "sports", "law and paperwork", "school homework", "small business", "pets",
        "cars and transport", "mathematics", "data and spreadsheets", "writing and editing", "games", "fashion",
        "parenting", "the environment", "shopping decisions", "philosophy", "job applications",
    ];

    /// <summary>Kinds of request, as the writing request describes them.</summary>
    public static IReadOnlyList<string> Kinds { get; } =
    [
        "asking for a story, poem or other creative piece", "asking for an explanation of something",
        "asking for a list of ideas or options", "asking for practical advice", "asking to compare two things",
        "asking to summarise a passage they paste into the message", "asking for help with code, some pasting a snippet",
        "asking to translate or rewrite a sentence they quote", "casual follow-up questions as in the middle of a chat",
        "asking for a long, detailed answer such as an essay or a full guide",
    ];

    /// <summary>Styles the writing request asks the messages to vary through.</summary>
    public static IReadOnlyList<string> Styles { get; } =
    [
        "casual, with the odd typo", "formal", "terse", "chatty and detailed", "from a non-native speaker",
        "from a student", "from a professional in a hurry", "from a curious retiree",
    ];

    /// <summary>The writing request's text in English or Chinese.</summary>
    public static string Request(bool chinese, string area, string kind, string style, int count) => chinese
        ? string.Create(CultureInfo.InvariantCulture,
            $"写{count}条真实用户可能发给AI助手的中文消息，主题在“{area}”这个大范围里（具体题目你自己选，每条不同），类型：{kind}，风格：{style}。长短要有变化：有的只有一句，有的几句话并带上背景。每条消息单独占一行，不要编号、引号或任何说明。")
        : string.Create(CultureInfo.InvariantCulture,
            $"Write {count} different messages that real people might send to an AI assistant. Area: {area} (pick a different specific subject for each). Kind: {kind}. Style: {style}. Vary the length: some one short line, some several sentences with context. Put each message on its own line, with no numbering, quotes or commentary.");

    /// <summary>The prompts in a writing request's answer: one per line, list markers and quotes removed, fragments (under <see cref="MinPromptChars"/>) dropped. An answer that
    /// is not one per line (fewer than two lines) is split at sentence ends instead. At most twice the number asked.</summary>
    public static IReadOnlyList<string> Parse(string answer, int count = PerRequest)
    {
        var lines = answer.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length < 2)
        {
            lines = SplitSentences(answer);
        }

        var prompts = new List<string>(Math.Min(lines.Length, count * 2));
        foreach (var line in lines)
        {
            var prompt = Clean(line);
            if (prompt.Length >= MinPromptChars || (prompt.Length >= 4 && prompt.Any(static c => c >= '\u3000')))
            {
                prompts.Add(prompt);
                if (prompts.Count == count * 2)
                {
                    break;
                }
            }
        }

        return prompts;
    }

    private static string[] SplitSentences(string text)
    {
        var sentences = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '.' or '?' or '!' or '。' or '？' or '！' && (i + 1 == text.Length || char.IsWhiteSpace(text[i + 1]) || text[i] > '\u007f'))
            {
                sentences.Add(text[start..(i + 1)].Trim());
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            sentences.Add(text[start..].Trim());
        }

        return [.. sentences.Where(static s => s.Length > 0)];
    }

    private static string Clean(string line)
    {
        var s = line.AsSpan().Trim();
        // List markers: "-", "*", "•", "1.", "1)", "（1）".
        if (s.Length > 0 && s[0] is '-' or '*' or '•')
        {
            s = s[1..].TrimStart();
        }

        var digits = 0;
        while (digits < s.Length && digits < 3 && char.IsAsciiDigit(s[digits]))
        {
            digits++;
        }

        if (digits > 0 && digits < s.Length && s[digits] is '.' or ')' or '、')
        {
            s = s[(digits + 1)..].TrimStart();
        }

        if (s.Length >= 2 && ((s[0] == '"' && s[^1] == '"') || (s[0] == '“' && s[^1] == '”') || (s[0] == '「' && s[^1] == '」')))
        {
            s = s[1..^1].Trim();
        }

        if (s.Length > MaxPromptChars)
        {
            var cut = s[..MaxPromptChars].LastIndexOfAny(SentenceEnds);
            s = cut > 0 ? s[..(cut + 1)] : s[..MaxPromptChars];
        }

        return s.ToString();
    }
}
