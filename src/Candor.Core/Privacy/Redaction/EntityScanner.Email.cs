using System.Buffers;

namespace Candor.Core.Privacy.Redaction;

/// <summary>E-mail addresses, internationalized ones included (RFC 6531 local parts in any script, IDN domains
/// such as <c>公司.cn</c> and <c>例子.中国</c>). A Chinese name glued to the local part (<c>刘洋2024@…</c>) belongs
/// to it; the Chinese words before it (<c>我的邮箱是alice@…</c>) do not. Image-scale names (<c>icon@2x.png</c>)
/// and file names are not addresses.</summary>
internal static partial class EntityScanner
{
    /// <summary>Chinese characters that end a phrase before an address rather than belong to a name in it.</summary>
    private const string LocalStops = "的是为箱址件给到至发联系人请和或及在用我你他她号码送信电子写邮与跟找向往寄抄由从以用把将被:：，。、；！？（）【】「」《》“”‘’ ";

    /// <summary>Characters that end a URL's user-info or a remote's path.</summary>
    private static readonly SearchValues<char> UrlBreaks = SearchValues.Create(" \t\n\"'<>/@");

    private static readonly SearchValues<char> PathBreaks = SearchValues.Create(" \t\n\"'<>");

    /// <summary>Top-level domains in Chinese script (an address's last label).</summary>
    private static readonly string[] ChineseTlds = ["中国", "中國", "公司", "网络", "網絡", "香港", "台湾", "台灣", "新加坡", "在线", "我爱你", "商城", "网店", "中文网", "移动", "集团", "信息"];

    /// <summary>Last labels that are file extensions, not top-level domains.</summary>
    private static readonly string[] FileExtensions =
        ["png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "css", "js", "mjs", "cjs", "ts", "tsx", "jsx", "json", "yaml", "yml", "xml", "txt",
         "lock", "map", "woff", "woff2", "ttf", "otf", "mp3", "wav", "java", "kt", "cpp", "hpp", "swift", "scss", "less", "vue", "html", "htm", "php", "log", "csv",
         "tar", "gz", "tgz", "dll", "exe", "so", "dylib", "wasm", "pdb", "nupkg", "csproj", "sln", "md", "rst", "ini", "toml", "cfg", "conf"];

    private static void ScanEmails(ReadOnlySpan<char> text, ref List<EntityMatch>? found)
    {
        for (int at = text.IndexOf('@'); at >= 0; at = NextAt(text, at))
        {
            Email(text, at, at + 1, ref found);
        }
    }

    /// <summary>Addresses percent-encoded in a URL's query (<c>?email=li.ming%40example.com</c>).</summary>
    private static void ScanEncodedEmails(ReadOnlySpan<char> text, ref List<EntityMatch>? found)
    {
        for (int at = text.IndexOf("%40", StringComparison.Ordinal); at >= 0; at = NextOrdinal(text, at, "%40"))
        {
            Email(text, at, at + 3, ref found);
        }
    }

    /// <summary>The address around the '@' (or "%40") at <paramref name="at"/> whose domain starts at <paramref name="domain"/>.</summary>
    private static void Email(ReadOnlySpan<char> text, int at, int domain, ref List<EntityMatch>? found)
    {
        int start = LocalStart(text, at);
        if (start < 0)
        {
            return;
        }

        int end = DomainEnd(text, at, domain);
        if (end > 0 && !UrlUserInfo(text, start) && !ScpRemote(text, end))
        {
            Add(ref found, new EntityMatch(EntityKind.Email, start, end - start));
        }
    }

    /// <summary>The start of the local part before '@' (at most 64 characters, not starting with a dot), or -1.</summary>
    private static int LocalStart(ReadOnlySpan<char> text, int at)
    {
        int start = at, han = 0;
        while (start > 0 && at - start < 64)
        {
            char c = text[start - 1];
            if (IsLocalChar(c))
            {
                if (han > 0)
                {
                    break;
                }
            }
            else if (IsHan(c) && LocalStops.IndexOf(c) < 0)
            {
                han++;
            }
            else if (c > 0x7F && char.IsLetterOrDigit(c) && !IsHan(c))
            {
                // Other scripts (Cyrillic, Greek, accented Latin) are written like ASCII.
                if (han > 0)
                {
                    break;
                }
            }
            else
            {
                break;
            }

            start--;
        }

        if (start > 0 && at - start >= 64 && IsLocalChar(text[start - 1]))
        {
            return -1;
        }

        // A Chinese name glued to the address has at most four characters; a longer run is the sentence before it.
        if (han > 4)
        {
            start += han;
        }

        while (start < at && text[start] == '.')
        {
            start++;
        }

        return start == at ? -1 : start;
    }

    /// <summary>The end of the domain after '@': labels of letters (any script), digits and hyphens separated by
    /// single dots, ending in a top-level domain (letters, punycode, or a Chinese TLD); or -1.</summary>
    private static int DomainEnd(ReadOnlySpan<char> text, int at, int domain)
    {
        int end = domain, lastDot = -1, labelStart = domain;
        while (end < text.Length && end - at <= 253)
        {
            char c = text[end];
            bool ascii = char.IsAsciiLetterOrDigit(c) || c == '-';
            bool other = !ascii && c > 0x7F && char.IsLetterOrDigit(c);
            if (ascii || other)
            {
                // A label does not run from Latin or Cyrillic into Chinese or back: "example.com联系我" ends at "com";
                // "bücher.de" is one script.
                if (end > labelStart && IsHan(c) != IsHan(text[end - 1]))
                {
                    break;
                }

                end++;
            }
            else if (c == '.' && end > labelStart && end + 1 < text.Length && (char.IsAsciiLetterOrDigit(text[end + 1]) || (text[end + 1] > 0x7F && char.IsLetterOrDigit(text[end + 1]))))
            {
                lastDot = end++;
                labelStart = end;
            }
            else
            {
                break;
            }
        }

        if (lastDot < 0)
        {
            return -1;
        }

        var first = text[domain..];
        if (first.Length > 2 && char.IsAsciiDigit(first[0]) && (first[1] is 'x' or 'X') && first[2] == '.')
        {
            return -1; // icon@2x.png
        }

        var tld = text[(lastDot + 1)..end];
        if (IsHan(tld[0]))
        {
            foreach (string t in ChineseTlds)
            {
                if (tld.StartsWith(t, StringComparison.Ordinal))
                {
                    return lastDot + 1 + t.Length;
                }
            }

            return -1;
        }

        return IsTld(tld) ? end : -1;
    }

    /// <summary>True when the local part is a URL's user-info (<c>scheme://user@host</c>,
    /// <c>scheme://user:password@host</c>): a credential, found as a secret when it is one, never an address.</summary>
    private static bool UrlUserInfo(ReadOnlySpan<char> text, int start)
    {
        if (start < 3)
        {
            return false;
        }

        if (text[..start].EndsWith("://", StringComparison.Ordinal))
        {
            return true;
        }

        if (text[start - 1] != ':')
        {
            return false;
        }

        var before = text[Math.Max(0, start - 140)..(start - 1)];
        int scheme = before.LastIndexOf("://", StringComparison.Ordinal);
        return scheme >= 0 && !before[(scheme + 3)..].ContainsAny(UrlBreaks);
    }

    /// <summary>True when the "address" is an scp-style remote, <c>git@github.com:org/repo.git</c>.</summary>
    private static bool ScpRemote(ReadOnlySpan<char> text, int end)
    {
        if (end + 1 >= text.Length || text[end] != ':' || !char.IsAsciiLetterOrDigit(text[end + 1]))
        {
            return false;
        }

        var rest = text[(end + 1)..];
        int stop = rest.IndexOfAny(PathBreaks);
        return (stop < 0 ? rest : rest[..stop]).Contains('/');
    }

    private static int NextAt(ReadOnlySpan<char> text, int at)
    {
        int next = text[(at + 1)..].IndexOf('@');
        return next < 0 ? -1 : at + 1 + next;
    }

    private static bool IsTld(ReadOnlySpan<char> tld)
    {
        if (tld.StartsWith("xn--", StringComparison.OrdinalIgnoreCase))
        {
            return tld.Length > 5;
        }

        if (tld.Length is < 2 or > 24)
        {
            return false;
        }

        foreach (char c in tld)
        {
            if (!char.IsLetter(c))
            {
                return false;
            }
        }

        foreach (string extension in FileExtensions)
        {
            if (tld.Equals(extension, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLocalChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-';

    /// <summary>CJK ideographs, kana and Hangul: scripts written without spaces, where a name runs into the sentence.</summary>
    private static bool IsHan(char c) => c is (>= '\u3040' and <= '\u30FF') or (>= '\u3400' and <= '\u9FFF') or (>= '\uAC00' and <= '\uD7AF') or (>= '\uF900' and <= '\uFAFF');
}
