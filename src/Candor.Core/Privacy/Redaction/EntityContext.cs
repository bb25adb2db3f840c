using System.Buffers;

namespace Candor.Core.Privacy.Redaction;

/// <summary>What the words just before a number say it is, in English and Chinese: a card, a company code
/// (<see cref="ContextCue.Confirms"/>), or an order, tracking, transaction or serial number
/// (<see cref="ContextCue.Denies"/>); whether it is a version, the result of arithmetic, or a quantity. The
/// nearer cue wins; the window is <see cref="Window"/> characters and stops at a line break. An ASCII cue counts
/// only as a whole word ("id" is not in "paid"). Runs only on candidates that already passed their checksum,
/// so plain loops over short lists are cheap enough; nothing is allocated.</summary>
internal static class EntityContext
{
    /// <summary>How far back, in characters, a cue is looked for.</summary>
    public const int Window = 24;

    /// <summary>The longest window (the words before a value, or a column name) searched for cues.</summary>
    private const int MaxCueWindow = 64;

    /// <summary>How far from a value its table's rows and header are looked for.</summary>
    private const int TableReach = 4096;

    private static readonly string[] CardCues =
        ["卡号", "银行卡", "信用卡", "借记卡", "储蓄卡", "银联", "账号", "帐号", "收款", "付款", "转账", "开户", "刷卡", "card", "cards", "visa", "mastercard", "amex",
         "american express", "diners", "discover", "jcb", "unionpay", "debit", "credit", "pan", "account no", "acct", "cc", "cc_number", "card_number", "cardnumber"];

    /// <summary>Words that name an identifier of something else: they deny anywhere in the window
    /// ("order number for the refund 4905…").</summary>
    private static readonly string[] NumberDenials =
        ["订单", "单号", "运单", "快递", "物流", "流水", "交易号", "编号", "序列号", "工单", "发票", "批次", "票号", "学号", "工号", "会员号",
         "追踪", "凭证", "身份证", "证件", "order", "orders", "tracking", "invoice", "txn", "transaction", "trade", "serial", "sku", "ref", "reference", "ticket", "request", "trace",
         "id", "ids", "nonce", "seed", "hash", "timestamp", "checksum", "snowflake", "uuid", "isbn", "ean", "imei", "msgid"];

    /// <summary>Words that say a number is computed ("total = 4905…", "合计：4905…"): they deny only the value they
    /// label — nothing but spaces, operators and label punctuation between — so a variable named <c>total</c> earlier
    /// on a line of code (<c>total += i 6222…</c>) says nothing of the value after <c>i</c>.</summary>
    private static readonly string[] ResultDenials = ["结果", "等于", "合计", "总计", "result", "sum", "total"];

    /// <summary>What may stand between a result word and the value it labels, besides "is", "was" and "equals".</summary>
    private static readonly SearchValues<char> LabelPunctuation = SearchValues.Create("\t=:：+-*/×÷≈(（[\"'是为约");

    private static readonly string[] UsccCues =
        ["信用代码", "统一社会", "税号", "纳税人", "营业执照", "企业", "公司", "机构代码", "注册号", "uscc", "credit code", "tax id", "company", "license"];

    private static readonly string[] VersionCues =
        ["version", "ver", "ver.", "v", "版本", "版本号", "build", "release", "assemblyversion", "fileversion", "nuget", "package", "sdk", "runtime", "firmware",
         "固件", "patch", "update", "kb"];

    private static readonly string[] QuantityUnits =
        ["bytes", "byte", "b", "kb", "mb", "gb", "ms", "s", "lines", "line", "rows", "files", "points", "pts", "tokens", "votes", "loc", "%", "行", "元", "个", "次",
         "字节", "条", "分"];

    /// <summary>The cue of a card number: the words before it or, when none, the name of its column in a table.</summary>
    public static ContextCue Card(ReadOnlySpan<char> text, int start, int length) => Cue(text, start, length, CardCues, computable: true);

    /// <summary>The cue of a unified social credit code: the words before it or, when none, the name of its column. A
    /// code with letters is no computed value, so "total", "结果" and their kind do not deny it.</summary>
    public static ContextCue Uscc(ReadOnlySpan<char> text, int start, int length, bool letters) => Cue(text, start, length, UsccCues, computable: !letters);

    private static ContextCue Cue(ReadOnlySpan<char> text, int start, int length, string[] confirms, bool computable)
    {
        var cue = Nearest(Before(text, start), confirms, computable);
        return cue != ContextCue.None ? cue : Nearest(ColumnName(text, start, start + length), confirms, computable);
    }

    /// <summary>The name of the column a value stands in when it is a whole field of a CSV or TSV row under a header
    /// (<c>order_id,sku,qty</c> above <c>4905…,SKU-88213,2</c>): the field at the same index of the nearest line above
    /// that has as many separators and no digit in that field, every line between having as many separators too.
    /// Empty otherwise.</summary>
    private static ReadOnlySpan<char> ColumnName(ReadOnlySpan<char> text, int start, int end)
    {
        // A whole field: a separator or a line break on both sides. Rows and the header are looked for within
        // TableReach characters, so a value in prose costs two comparisons.
        if ((start > 0 && text[start - 1] is not (',' or '\t' or '\n')) || (end < text.Length && text[end] is not (',' or '\t' or '\r' or '\n')))
        {
            return default;
        }

        int floor = Math.Max(0, start - TableReach);
        int lineStart = floor + text[floor..start].LastIndexOf('\n') + 1;
        int lineEnd = text[end..Math.Min(text.Length, end + TableReach)].IndexOf('\n');
        var line = text[lineStart..(lineEnd < 0 ? Math.Min(text.Length, end + TableReach) : end + lineEnd)].TrimEnd('\r');
        char separator = line.Contains('\t') ? '\t' : ',';
        int separators = line.Count(separator), at = start - lineStart, after = end - lineStart;
        if (separators == 0 || (at > 0 && line[at - 1] != separator) || (after < line.Length && line[after] != separator))
        {
            return default;
        }

        int index = line[..at].Count(separator);
        for (int above = lineStart - 1; above > floor;)
        {
            int previousStart = floor + text[floor..above].LastIndexOf('\n') + 1;
            var previous = text[previousStart..above].TrimEnd('\r');
            if (previous.Count(separator) != separators)
            {
                return default;
            }

            var field = previous;
            for (int i = 0; i < index; i++)
            {
                field = field[(field.IndexOf(separator) + 1)..];
            }

            int next = field.IndexOf(separator);
            field = next < 0 ? field : field[..next];
            if (!field.ContainsAnyInRange('0', '9'))
            {
                return field;
            }

            above = previousStart - 1;
        }

        return default;
    }

    /// <summary>True when a version cue ("version", "v", "版本", <c>AssemblyVersion("</c>) ends right before a
    /// dotted number, with nothing but spaces, quotes and punctuation between.</summary>
    public static bool IsVersion(ReadOnlySpan<char> text, int start)
    {
        var head = Before(text, start).TrimEnd(" \"'(:=：_-@/[<>".AsSpan());
        foreach (string cue in VersionCues)
        {
            if (head.EndsWith(cue, StringComparison.OrdinalIgnoreCase) && WordStart(head, head.Length - cue.Length, cue))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when "passport" or "护照" stands in the words before <paramref name="start"/>.</summary>
    public static bool IsPassport(ReadOnlySpan<char> text, int start)
    {
        var before = Before(text, start);
        return before.Contains("passport", StringComparison.OrdinalIgnoreCase) || before.Contains("护照", StringComparison.Ordinal);
    }

    /// <summary>True when a dotted number starts a line as a heading's section number: parts of one or two digits,
    /// only spaces or '#' before it on the line, and a capitalized word or a Chinese character after one space
    /// (<c>3.2.1.4 Retry policy</c>, <c>### 2.1.3.1 重试</c>; not <c>127.0.0.1 localhost</c>).</summary>
    public static bool IsHeadingNumber(ReadOnlySpan<char> text, int start, int length)
    {
        var line = text[..start];
        line = line[(line.LastIndexOf('\n') + 1)..];
        if (line.ContainsAnyExcept(" #\t") || start + length + 1 >= text.Length || text[start + length] != ' ')
        {
            return false;
        }

        char next = text[start + length + 1];
        if (!char.IsAsciiLetterUpper(next) && next is not (>= '\u4E00' and <= '\u9FFF'))
        {
            return false;
        }

        foreach (var part in text.Slice(start, length).Split('.'))
        {
            if (part.End.Value - part.Start.Value > 2)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the number at <paramref name="start"/> is the result of arithmetic: an operator (=, ×, *,
    /// ÷, +, -) right before it, and a digit or closing bracket before that ("12345 × 6789 = …"); or it starts a
    /// line under a line that ends in a product or quotient of numbers (a REPL's answer).</summary>
    public static bool IsArithmetic(ReadOnlySpan<char> text, int start)
    {
        var head = text[..start].TrimEnd(' ');
        if (!head.IsEmpty && head[^1] == '\n')
        {
            var line = head[..^1].TrimEnd('\r');
            line = line[(line.LastIndexOf('\n') + 1)..].TrimEnd(' ');
            return !line.IsEmpty && char.IsAsciiDigit(line[^1]) && line.IndexOfAny("*×÷/") >= 0;
        }

        if (head.IsEmpty || head[^1] is not ('=' or '×' or '*' or '÷' or '+' or '-' or '≈'))
        {
            return false;
        }

        head = head[..^1].TrimEnd(' ');
        return !head.IsEmpty && (char.IsAsciiDigit(head[^1]) || head[^1] is ')' or ']');
    }

    /// <summary>True when a quantity unit follows the number ("+104473819 bytes", "+12345678 行").</summary>
    public static bool IsQuantity(ReadOnlySpan<char> text, int end)
    {
        var after = text[end..].TrimStart(' ');
        foreach (string unit in QuantityUnits)
        {
            if (after.StartsWith(unit, StringComparison.OrdinalIgnoreCase) && (after.Length == unit.Length || !char.IsAsciiLetter(after[unit.Length]) || !char.IsAsciiLetter(unit[^1])))
            {
                return true;
            }
        }

        return false;
    }

    private static ReadOnlySpan<char> Before(ReadOnlySpan<char> text, int start)
    {
        var window = text.Slice(Math.Max(0, start - Window), Math.Min(start, Window));
        int line = window.LastIndexOf('\n');
        return line < 0 ? window : window[(line + 1)..];
    }

    /// <summary>The nearer of the last confirming and the last denying cue (a word of <see cref="ResultDenials"/> only
    /// when the value is <paramref name="computable"/> and the word labels it). The window is lower-cased (ASCII letters
    /// only) into a stack buffer first, so every cue (written in lower case) is an ordinal search: a case-insensitive
    /// search over text holding Chinese leaves the vectorized ASCII path.</summary>
    private static ContextCue Nearest(ReadOnlySpan<char> window, string[] confirms, bool computable)
    {
        window = window[Math.Max(0, window.Length - MaxCueWindow)..];
        Span<char> lower = stackalloc char[MaxCueWindow];
        bool words = false;
        for (int i = 0; i < window.Length; i++)
        {
            char c = window[i];
            lower[i] = char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : c;
            words |= char.IsAsciiLetter(c) || c > 0x7F;
        }

        if (!words)
        {
            return ContextCue.None;
        }

        var lowered = lower[..window.Length];
        int yes = LastCue(lowered, confirms), no = Math.Max(LastCue(lowered, NumberDenials), computable ? LabelCue(lowered, ResultDenials) : -1);
        return yes < 0 && no < 0 ? ContextCue.None : yes >= no ? ContextCue.Confirms : ContextCue.Denies;
    }

    /// <summary>Where the last whole cue of <paramref name="cues"/> ends when it labels what follows the window —
    /// after it only operators, quotes, label punctuation, 是/为/约 and the words "is", "was", "equals" — or -1.</summary>
    private static int LabelCue(ReadOnlySpan<char> window, string[] cues)
    {
        int end = LastCue(window, cues);
        if (end < 0)
        {
            return -1;
        }

        foreach (var word in window[end..].Split(' '))
        {
            var token = window[end..][word];
            if (token.ContainsAnyExcept(LabelPunctuation) && !token.SequenceEqual("is") && !token.SequenceEqual("was") && !token.SequenceEqual("equals"))
            {
                return -1;
            }
        }

        return end;
    }

    /// <summary>Where the last whole cue of <paramref name="cues"/> in <paramref name="window"/> ends, or -1.</summary>
    private static int LastCue(ReadOnlySpan<char> window, string[] cues)
    {
        int best = -1;
        foreach (string cue in cues)
        {
            int at = window.LastIndexOf(cue, StringComparison.Ordinal);
            while (at >= 0 && !(WordStart(window, at, cue) && WordEnd(window, at + cue.Length, cue)))
            {
                at = at == 0 ? -1 : window[..(at + cue.Length - 1)].LastIndexOf(cue, StringComparison.Ordinal);
            }

            if (at >= 0)
            {
                best = Math.Max(best, at + cue.Length);
            }
        }

        return best;
    }

    private static bool WordStart(ReadOnlySpan<char> s, int at, string cue) => !char.IsAsciiLetter(cue[0]) || at == 0 || !char.IsAsciiLetter(s[at - 1]);

    private static bool WordEnd(ReadOnlySpan<char> s, int end, string cue) => !char.IsAsciiLetter(cue[^1]) || end == s.Length || !char.IsAsciiLetter(s[end]);
}
