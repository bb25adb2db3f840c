using System.Globalization;
using System.Text.Json;

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

    /// <summary>Prompts with a tool asked for per tool-writing request (each carries a JSON schema, so fewer).</summary>
    public const int ToolsPerRequest = 5;

    /// <summary>The share of writing requests that ask for prompts with a function tool.</summary>
    public const double ToolShare = 0.12;

    /// <summary>The name of a probe that asks the reference to write plain prompts, long-answer prompts, or prompts with a
    /// tool (never sent to an audited channel).</summary>
    public const string Write = "write", WriteLong = "write-long", WriteTool = "write-tool";

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

    /// <summary>The request kind whose prompts ask for a long answer (<see cref="ProbeBankEntry.LongAnswer"/>).</summary>
    public static string LongKind => Kinds[^1];

    /// <summary>The tool-writing request's text: an application in <paramref name="area"/> that offers the assistant one
    /// function, and a message of its user that needs it, as one JSON object per line.</summary>
    public static string ToolRequest(bool chinese, string area, string style, int count) => chinese
        ? string.Create(CultureInfo.InvariantCulture,
            $"写{count}行JSON，每行设想一个不同的应用，都在“{area}”这个大范围里，每个应用给AI助手提供一个函数（function calling）。每行的格式：{{\"tool\":{{\"name\":\"英文蛇形函数名\",\"description\":\"一句说明\",\"parameters\":{{JSON Schema，type为object，带properties和required}}}},\"prompt\":\"该应用的用户可能发给助手、需要调用这个函数的一条中文消息\"}}。消息风格：{style}。每行一个对象，不要编号、代码块或任何说明。")
        : string.Create(CultureInfo.InvariantCulture,
            $"Imagine {count} different applications in the area of {area}, each offering an AI assistant one function to call. For each, write one line of JSON: {{\"tool\":{{\"name\":\"snake_case_name\",\"description\":\"one sentence\",\"parameters\":{{a JSON Schema with type object, properties and required}}}},\"prompt\":\"a message a user of that application might send that needs the function\"}}. Message style: {style}. One object per line, with no numbering, code fences or commentary.");

    /// <summary>The bank entries in the answer to <paramref name="request"/> (a <see cref="ProbeGenerator.WritingRequest"/>):
    /// prompts with their tool for a tool-writing request, long-answer prompts, or plain ones.</summary>
    public static IReadOnlyList<ProbeBankEntry> Entries(Probe request, string answer) => request.Name switch
    {
        WriteTool => ParseTools(answer),
        WriteLong => [.. Parse(answer).Select(static p => new ProbeBankEntry(p, LongAnswer: true))],
        _ => [.. Parse(answer).Select(static p => new ProbeBankEntry(p))],
    };

    /// <summary>The prompts with their tools in a tool-writing request's answer: one JSON object per line whose tool has a
    /// function name (letters, digits, <c>_</c>, <c>-</c>; at most 64), a description and an object schema, and whose
    /// prompt is not a fragment. A tool named as one of the public grammar's (<see cref="ProbeBank.Tools"/>) is dropped:
    /// it would mark the probe. At most twice the number asked.</summary>
    public static IReadOnlyList<ProbeBankEntry> ParseTools(string answer, int count = ToolsPerRequest)
    {
        var entries = new List<ProbeBankEntry>();
        foreach (var raw in answer.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (TryParseTool(raw) is { } entry)
            {
                entries.Add(entry);
                if (entries.Count == count * 2)
                {
                    break;
                }
            }
        }

        return entries;
    }

    /// <summary>One tool entry, or null when <paramref name="line"/> is not a valid one.</summary>
    public static ProbeBankEntry? TryParseTool(string line)
    {
        var start = line.IndexOf('{', StringComparison.Ordinal);
        var end = line.LastIndexOf('}');
        if (start < 0 || end <= start)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line.AsMemory(start, end - start + 1));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("tool", out var tool) || tool.ValueKind != JsonValueKind.Object ||
                !root.TryGetProperty("prompt", out var prompt) || prompt.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            var parsed = ReadTool(tool);
            var text = Clean(prompt.GetString()!);
            return parsed is null || text.Length < MinPromptChars && !(text.Length >= 4 && text.Any(static c => c >= '\u3000'))
                ? null
                : new ProbeBankEntry(text, Tool: parsed);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A tool definition (<c>name</c>, <c>description</c>, <c>parameters</c>) read from JSON, or null when it is
    /// not a valid one or is named as a public-grammar tool.</summary>
    public static ProbeTool? ReadTool(JsonElement tool)
    {
        if (tool.ValueKind != JsonValueKind.Object ||
            !tool.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String ||
            !tool.TryGetProperty("description", out var description) || description.ValueKind != JsonValueKind.String ||
            !tool.TryGetProperty("parameters", out var parameters) || parameters.ValueKind != JsonValueKind.Object ||
            !parameters.TryGetProperty("type", out var type) || !type.ValueEquals("object"))
        {
            return null;
        }

        var functionName = name.GetString()!;
        if (functionName.Length is 0 or > 64 || !functionName.All(static c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') ||
            ProbeBank.Tools.Any(t => string.Equals(t.Name, functionName, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        return new ProbeTool(functionName, description.GetString()!, parameters.GetRawText());
    }

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
