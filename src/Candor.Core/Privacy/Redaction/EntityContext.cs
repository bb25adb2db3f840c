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

    private static readonly string[] CardCues =
        ["卡号", "银行卡", "信用卡", "借记卡", "储蓄卡", "银联", "账号", "帐号", "收款", "付款", "转账", "开户", "刷卡", "card", "cards", "visa", "mastercard", "amex",
         "american express", "diners", "discover", "jcb", "unionpay", "debit", "credit", "pan", "account no", "acct", "cc", "cc_number", "card_number", "cardnumber"];

    private static readonly string[] NumberDenials =
        ["订单", "单号", "运单", "快递", "物流", "流水", "交易号", "编号", "序列号", "工单", "发票", "批次", "票号", "学号", "工号", "会员号", "结果", "等于", "合计", "总计",
         "追踪", "凭证", "身份证", "证件", "order", "orders", "tracking", "invoice", "txn", "transaction", "trade", "serial", "sku", "ref", "reference", "ticket", "request", "trace",
         "id", "ids", "nonce", "seed", "hash", "timestamp", "checksum", "result", "sum", "total", "snowflake", "uuid", "isbn", "ean", "imei", "msgid"];

    private static readonly string[] UsccCues =
        ["信用代码", "统一社会", "税号", "纳税人", "营业执照", "企业", "公司", "机构代码", "注册号", "uscc", "credit code", "tax id", "company", "license"];

    private static readonly string[] VersionCues =
        ["version", "ver", "ver.", "v", "版本", "版本号", "build", "release", "assemblyversion", "fileversion", "nuget", "package", "sdk", "runtime", "firmware",
         "固件", "patch", "update", "kb"];

    private static readonly string[] QuantityUnits =
        ["bytes", "byte", "b", "kb", "mb", "gb", "ms", "s", "lines", "line", "rows", "files", "points", "pts", "tokens", "votes", "loc", "%", "行", "元", "个", "次",
         "字节", "条", "分"];

    /// <summary>The cue of a card number.</summary>
    public static ContextCue Card(ReadOnlySpan<char> text, int start) => Nearest(Before(text, start), CardCues, NumberDenials);

    /// <summary>The cue of a unified social credit code.</summary>
    public static ContextCue Uscc(ReadOnlySpan<char> text, int start) => Nearest(Before(text, start), UsccCues, NumberDenials);

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

    private static ContextCue Nearest(ReadOnlySpan<char> window, string[] confirms, string[] denies)
    {
        int yes = LastCue(window, confirms), no = LastCue(window, denies);
        return yes < 0 && no < 0 ? ContextCue.None : yes >= no ? ContextCue.Confirms : ContextCue.Denies;
    }

    /// <summary>Where the last whole cue of <paramref name="cues"/> in <paramref name="window"/> ends, or -1.</summary>
    private static int LastCue(ReadOnlySpan<char> window, string[] cues)
    {
        int best = -1;
        foreach (string cue in cues)
        {
            int at = window.LastIndexOf(cue, StringComparison.OrdinalIgnoreCase);
            while (at >= 0 && !(WordStart(window, at, cue) && WordEnd(window, at + cue.Length, cue)))
            {
                at = at == 0 ? -1 : window[..(at + cue.Length - 1)].LastIndexOf(cue, StringComparison.OrdinalIgnoreCase);
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
