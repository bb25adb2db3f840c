using System.Buffers;
using System.Text.RegularExpressions;

namespace Candor.Core.Privacy.Redaction;

/// <summary>Secrets: provider keys by their documented prefixes (the breadth of gitleaks' rule set,
/// https://github.com/gitleaks/gitleaks, config/gitleaks.toml, is the reference), JWTs, private-key PEM blocks,
/// the user-info of URLs, bare <c>Bearer</c>/<c>Basic</c> credentials, and values assigned to a password, secret,
/// token or API-key name (<c>PASSWORD=…</c>, <c>password: …</c>, <c>"api_key": "…"</c>, <c>密码：…</c>). Template
/// placeholders (<c>{password}</c>, <c>${TOKEN}</c>, <c>&lt;token&gt;</c>, <c>xoxb-your-token</c>) are not secrets.</summary>
internal static partial class EntityScanner
{
    /// <summary>The prefixes of <see cref="KeyPattern"/>, looked for only inside tokens long enough to be a key.</summary>
    private static readonly SearchValues<string> KeyPrefixes = SearchValues.Create(
        ["sk-", "AIza", "AKIA", "ASIA", "ABIA", "ACCA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "glrt-", "glptt-", "glsoat-",
         "xoxb-", "xoxa-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "xapp-", "_live_", "_test_", "_prod_", "whsec_", "LTAI", "AKID", "AKLT", "ALTAK-", "hf_", "ya29.",
         "eyJ", "npm_", "SG.", "gsk_", "shpat_", "shpss_", "shpca_", "shppa_", "dop_v1_", "doo_v1_", "dor_v1_", "pypi-", "hvs.", "hvb.", "AGE-SECRET-KEY-1",
         "lin_api_", "PMAK-", "dapi", "rubygems_", "sntrys_", "NRAK-", "glc_", "glsa_", "ATATT", "xai-", "r8_", "pplx-", "sq0atp-", "sq0csp-", "dp.pt.",
         "dt0c01.", "pul-", "key-", "bce-v3/"],
        StringComparison.Ordinal);

    /// <summary>Everything else that starts a secret: PEM blocks, URLs, the AWS secret's name, authorization schemes.</summary>
    private static readonly SearchValues<string> OtherSecretHints = SearchValues.Create(
        ["://", "-----BEGIN", "ecret", "ECRET", "earer ", "EARER ", "Basic "], StringComparison.Ordinal);

    private static readonly SearchValues<string> AuthorizationSchemes = SearchValues.Create(["earer ", "EARER ", "Basic "], StringComparison.Ordinal);

    /// <summary>The characters of a credential after an authorization scheme.</summary>
    private static readonly SearchValues<char> CredentialChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/=-");

    /// <summary>The shortest token <see cref="KeyPattern"/>, <see cref="HexKeyPattern"/> or <see cref="InfixKeyPattern"/>
    /// can match (<c>xoxb-</c> and 10 characters).</summary>
    private const int MinKeyToken = 15;

    /// <summary>The ASCII names whose assigned value is a secret, case-insensitive; the Chinese ones (密码, 口令, 密钥) are
    /// found by their first character (<see cref="NextChineseName"/>): a set of non-ASCII strings is searched one
    /// character at a time, a pair of characters with a vector search.</summary>
    private static readonly SearchValues<string> AssignmentNames = SearchValues.Create(
        ["password", "passwd", "passphrase", "pwd", "secret", "token", "apikey", "api_key", "api-key", "access_key", "accesskey", "private_key"],
        StringComparison.OrdinalIgnoreCase);

    /// <summary>The characters a key token can hold (the union over <see cref="KeyPattern"/>'s formats).</summary>
    private const string KeyTokenChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./+=~";

    private static readonly SearchValues<char> TokenChars = SearchValues.Create(KeyTokenChars);

    /// <summary><see cref="KeyTokenChars"/> as a table indexed by ASCII code, for the one pass over the tokens.</summary>
    private static readonly byte[] TokenTable = TableOf(KeyTokenChars);

    private static void ScanSecrets(ReadOnlySpan<char> text, ref List<EntityMatch>? found)
    {
        bool other = text.IndexOfAny(OtherSecretHints) >= 0;
        if (other)
        {
            ScanPrivateKeys(text, ref found);
        }

        ScanKeyTokens(text, ref found);
        if (other)
        {
            ScanUrlCredentials(text, ref found);
            ScanAwsSecrets(text, ref found);
            ScanAuthorizations(text, ref found);
        }

        ScanAssignments(text, chinese: false, ref found);
        ScanAssignments(text, chinese: true, ref found);
    }

    /// <summary>One pass over the tokens of key characters: only a token of <see cref="MinKeyToken"/> or more can be
    /// a key, and only on such a token are the prefixes looked for and the expressions run, so the breadth of
    /// formats costs nothing per kilobyte of prose.</summary>
    private static void ScanKeyTokens(ReadOnlySpan<char> text, ref List<EntityMatch>? found)
    {
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c < 128 && TokenTable[c] != 0)
            {
                continue;
            }

            if (i - start >= MinKeyToken)
            {
                ScanKeyToken(text, start, i, ref found);
            }

            start = i + 1;
        }

        if (text.Length - start >= MinKeyToken)
        {
            ScanKeyToken(text, start, text.Length, ref found);
        }
    }

    private static void ScanKeyToken(ReadOnlySpan<char> text, int start, int end, ref List<EntityMatch>? found)
    {
        var token = text[start..end];
        if (token.IndexOfAny(KeyPrefixes) >= 0)
        {
            ScanKeys(text, start, end, ref found);
        }

        // Azure AD client secrets (…Q~…) and Telegram bot tokens (<bot id>:AA…, the id a token of its own).
        if (token.Contains("Q~", StringComparison.Ordinal) || (start > 0 && text[start - 1] == ':' && token.StartsWith("AA", StringComparison.Ordinal)))
        {
            Confirmed(text, Math.Max(0, start - 12), end, InfixKeyPattern(), EntityKind.Secret, static (t, s, l) => !SecretValues.IsPlaceholder(t.Slice(s, l)), ref found);
        }

        // Zhipu (<32 hex id>.<16 secret>), Twilio (SK + 32 hex).
        if (token.Length >= 34)
        {
            Confirmed(text, start, end, HexKeyPattern(), EntityKind.Secret, static (_, _, _) => true, ref found);
        }
    }

    /// <summary>An AWS secret access key given with its name, looked for only where "secret" is written.</summary>
    private static void ScanAwsSecrets(ReadOnlySpan<char> text, ref List<EntityMatch>? found)
    {
        // "aws_secret_access_key" is 21 characters, then a quote, spaces, ':' or '=', spaces, a quote and 40 characters.
        for (int at = text.IndexOf("secret", StringComparison.OrdinalIgnoreCase); at >= 0; at = NextIgnoreCase(text, at, "secret"))
        {
            int end = Math.Min(text.Length, at + 72);
            foreach (var m in AwsSecretPattern().EnumerateMatches(text[..end], Math.Max(0, at - 4)))
            {
                // The value is the last 40 characters of the match.
                Add(ref found, new EntityMatch(EntityKind.Secret, m.Index + m.Length - 40, 40));
            }
        }
    }

    /// <summary>A credential after an HTTP authorization scheme, looked for only where a scheme is written.</summary>
    private static void ScanAuthorizations(ReadOnlySpan<char> text, ref List<EntityMatch>? found)
    {
        int from = 0;
        while (from < text.Length)
        {
            int hit = text[from..].IndexOfAny(AuthorizationSchemes);
            if (hit < 0)
            {
                return;
            }

            hit += from;
            // The match ends where the credential's characters do, so the search stops there.
            int length = text[(hit + 6)..].IndexOfAnyExcept(CredentialChars);
            int end = length < 0 ? text.Length : hit + 6 + length;
            foreach (var m in AuthorizationPattern().EnumerateMatches(text[..end], Math.Max(0, hit - 1)))
            {
                int value = m.Index + text.Slice(m.Index, m.Length).IndexOf(' ') + 1;
                var credential = text[value..(m.Index + m.Length)];
                if (SecretValues.IsCredential(text.Slice(m.Index, 5), credential))
                {
                    Add(ref found, new EntityMatch(EntityKind.Secret, value, credential.Length));
                }
            }

            from = Math.Max(end, hit + 1);
        }
    }

    private static byte[] TableOf(string chars)
    {
        var table = new byte[128];
        foreach (char c in chars)
        {
            table[c] = 1;
        }

        return table;
    }

    private static int NextOrdinal(ReadOnlySpan<char> text, int at, string value)
    {
        int next = text[(at + 1)..].IndexOf(value, StringComparison.Ordinal);
        return next < 0 ? -1 : at + 1 + next;
    }

    private static int NextIgnoreCase(ReadOnlySpan<char> text, int at, string value)
    {
        int next = text[(at + 1)..].IndexOf(value, StringComparison.OrdinalIgnoreCase);
        return next < 0 ? -1 : at + 1 + next;
    }

    /// <summary>Runs <see cref="KeyPattern"/> where a key prefix is within [<paramref name="from"/>, <paramref name="limit"/>)
    /// (one token): the expression is tried on the token there, not over the whole text.</summary>
    private static void ScanKeys(ReadOnlySpan<char> text, int from, int limit, ref List<EntityMatch>? found)
    {
        while (from < limit)
        {
            int hit = text[from..limit].IndexOfAny(KeyPrefixes);
            if (hit < 0)
            {
                return;
            }

            hit += from;
            // The token starts at most a few characters before its prefix ("sk" of "sk_live_").
            int start = hit;
            while (start > 0 && hit - start < 8 && (char.IsAsciiLetterOrDigit(text[start - 1]) || text[start - 1] == '_'))
            {
                start--;
            }

            int end = text[hit..].IndexOfAnyExcept(TokenChars);
            end = end < 0 ? text.Length : hit + end;
            from = hit + 1;
            for (int s = start; s <= hit; s++)
            {
                if (s > 0 && (char.IsAsciiLetterOrDigit(text[s - 1]) || text[s - 1] is '_' or '-'))
                {
                    continue;
                }

                foreach (var m in KeyPattern().EnumerateMatches(text[s..end]))
                {
                    if (m.Index == 0 && !SecretValues.IsPlaceholder(text.Slice(s, m.Length)))
                    {
                        Add(ref found, new EntityMatch(EntityKind.Secret, s, m.Length));
                        from = Math.Max(from, s + m.Length);
                    }

                    break;
                }
            }
        }
    }

    private static void ScanPrivateKeys(ReadOnlySpan<char> text, ref List<EntityMatch>? found)
    {
        // Private keys: from the BEGIN line to the END line; a block cut short runs to the end of the text.
        int from = 0;
        while (from < text.Length)
        {
            int begin = text[from..].IndexOf("-----BEGIN ", StringComparison.Ordinal);
            if (begin < 0)
            {
                break;
            }

            begin += from;
            // The header line is short ("-----BEGIN ENCRYPTED PRIVATE KEY-----"); look no further than 64 characters.
            var header = text.Slice(begin, Math.Min(64, text.Length - begin));
            int lineEnd = header.IndexOfAny('\n', '\\');
            header = lineEnd < 0 ? header : header[..lineEnd];
            if (!header.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            {
                from = begin + 11;
                continue;
            }

            int end = text.Length;
            int endMarker = text[(begin + 11)..].IndexOf("-----END ", StringComparison.Ordinal);
            if (endMarker >= 0)
            {
                endMarker += begin + 11;
                int close = text[(endMarker + 9)..].IndexOf("-----", StringComparison.Ordinal);
                end = close < 0 ? text.Length : endMarker + 9 + close + 5;
            }

            Add(ref found, new EntityMatch(EntityKind.Secret, begin, end - begin));
            from = end;
        }
    }

    /// <summary>The user-info (<c>user:password</c>) of <c>scheme://user:password@host</c>. The password may hold
    /// raw '#', '@', '?' and '/' (people paste them unencoded): the user-info ends at the '@' after which a host
    /// follows with no further '@' before the path. The scheme and host stay readable.</summary>
    private static void ScanUrlCredentials(ReadOnlySpan<char> text, ref List<EntityMatch>? found)
    {
        int floor = 0;
        for (int scheme = text.IndexOf("://", StringComparison.Ordinal); scheme >= 0; scheme = NextOrdinal(text, scheme, "://"))
        {
            // scheme://user: — a scheme of 2–16 characters starting with a letter, a user of at most 128 characters
            // up to the first ':' (no space, '/', '?', '#', '@', quote or angle bracket before it).
            int start = scheme;
            while (start > floor && scheme - start < 16 && (char.IsAsciiLetterOrDigit(text[start - 1]) || text[start - 1] is '+' or '.' or '-'))
            {
                start--;
            }

            while (start < scheme && !char.IsAsciiLetter(text[start]))
            {
                start++;
            }

            int user = scheme + 3, colon = user;
            while (colon < text.Length && colon - user <= 128 && !char.IsWhiteSpace(text[colon]) && text[colon] is not ('/' or '?' or '#' or '@' or ':' or '"' or '\'' or '<' or '>'))
            {
                colon++;
            }

            if (scheme - start < 2 || colon >= text.Length || text[colon] != ':' || colon - user > 128)
            {
                continue;
            }

            floor = colon + 1;
            int limit = Math.Min(text.Length, colon + 257), end = colon + 1;
            while (end < limit && !char.IsWhiteSpace(text[end]) && text[end] is not ('"' or '\'' or '<' or '>' or '`'))
            {
                end++;
            }

            // The last '@' of the run that is followed by a host before the next '/', '?', '#' or the end.
            var run = text[(colon + 1)..end];
            int at = -1;
            for (int i = 0; i < run.Length; i++)
            {
                if (run[i] == '@' && i + 1 < run.Length && (char.IsLetterOrDigit(run[i + 1]) || run[i + 1] == '['))
                {
                    at = i;
                }

                if (at >= 0 && run[i] is '/' or '?')
                {
                    break;
                }
            }

            if (at <= 0)
            {
                continue;
            }

            var password = run[..at];
            if (SecretValues.IsUrlPassword(text[user..colon], password))
            {
                Add(ref found, new EntityMatch(EntityKind.Secret, user, colon + 1 + at - user));
            }
        }
    }

    /// <summary>A value assigned to a secret's name: <c>NAME=value</c>, <c>name: value</c>, <c>"name": "value"</c>,
    /// <c>name = 'value'</c>, <c>密码：value</c>. The name ends in one of <see cref="AssignmentNames"/> as a word
    /// (<c>DB_PASSWORD</c>, <c>dbPassword</c>, <c>api_key</c>; not <c>bypass</c>, <c>max_tokens</c>).</summary>
    private static void ScanAssignments(ReadOnlySpan<char> text, bool chinese, ref List<EntityMatch>? found)
    {
        int from = 0;
        while (from < text.Length)
        {
            int hit = chinese ? NextChineseName(text[from..]) : text[from..].IndexOfAny(AssignmentNames);
            if (hit < 0)
            {
                return;
            }

            hit += from;
            int nameEnd = SecretValues.NameEnd(text, hit);
            from = Math.Max(nameEnd, hit + 1);
            if (nameEnd < 0 || !SecretValues.NameStart(text, hit))
            {
                continue;
            }

            if (SecretValues.AssignedValue(text, hit, nameEnd, out int start, out int length))
            {
                Add(ref found, new EntityMatch(EntityKind.Secret, start, length));
                from = start + length;
            }
        }
    }

    /// <summary>Where 密码, 口令 or 密钥 first occurs, or -1.</summary>
    private static int NextChineseName(ReadOnlySpan<char> text)
    {
        int from = 0;
        while (true)
        {
            int hit = text[from..].IndexOfAny('密', '口');
            if (hit < 0)
            {
                return -1;
            }

            hit += from;
            if (hit + 1 < text.Length && (text[hit], text[hit + 1]) is ('密', '码' or '钥') or ('口', '令'))
            {
                return hit;
            }

            from = hit + 1;
        }
    }

    // Provider keys by their documented prefixes, and JWTs (two base64url JSON segments and a signature). Each
    // alternative is a rule of gitleaks' set, or a vendor's documented format where gitleaks has none (Alibaba,
    // Tencent, Volcengine, Baidu Qianfan, Zhipu).
    [GeneratedRegex("""
        (?<![A-Za-z0-9_-])(?:sk-[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{35}|(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}|gl(?:pat|dt|rt|ptt|soat)-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|xapp-[0-9]-[A-Za-z0-9-]{10,}|(?:[sr]k|pk)_(?:live|test|prod)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9+/=]{24,}|LTAI[A-Za-z0-9]{12,28}|AKID[A-Za-z0-9]{32}|AKLT[A-Za-z0-9_-]{20,}|bce-v3/ALTAK-[A-Za-z0-9]{20,}/[0-9a-f]{40}|ALTAK-[A-Za-z0-9]{20,}|hf_[A-Za-z0-9]{30,}|ya29\.[0-9A-Za-z_-]{20,}|eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*|npm_[A-Za-z0-9]{36}|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}|gsk_[A-Za-z0-9]{52}|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}|do[por]_v1_[a-f0-9]{64}|pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}|hv[sb]\.[A-Za-z0-9_-]{24,}|AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}|lin_api_[A-Za-z0-9]{40}|PMAK-[a-f0-9]{24}-[a-f0-9]{34}|dapi[a-f0-9]{32}(?:-[0-9])?|rubygems_[a-f0-9]{48}|sntrys_eyJ[A-Za-z0-9_=+/-]{30,}|NRAK-[A-Z0-9]{27}|glc_[A-Za-z0-9+/]{32,}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|ATATT3[A-Za-z0-9_=-]{180,}|xai-[A-Za-z0-9]{60,}|r8_[A-Za-z0-9]{37}|pplx-[A-Za-z0-9]{48}|sq0(?:atp|csp)-[A-Za-z0-9_-]{22,60}|dp\.pt\.[A-Za-z0-9]{43}|dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}|pul-[a-f0-9]{40}|key-[a-f0-9]{32})(?![A-Za-z0-9_-])
        """, RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    // Zhipu keys (a 32-hex id, a dot, a 16-character secret) and Twilio API keys (SK and 32 hex).
    [GeneratedRegex("(?<![A-Za-z0-9_-])(?:[0-9a-f]{32}\\.[A-Za-z0-9]{16}|SK[0-9a-f]{32})(?![A-Za-z0-9_-])", RegexOptions.CultureInvariant)]
    private static partial Regex HexKeyPattern();

    // Azure AD client secrets (three characters, a digit, "Q~", 31–34 more) and Telegram bot tokens (bot id, ":AA", 33).
    [GeneratedRegex("(?<![A-Za-z0-9_~.-])(?:[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}|[0-9]{8,10}:AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_~.-])", RegexOptions.CultureInvariant)]
    private static partial Regex InfixKeyPattern();

    // An AWS secret access key given with its name: aws_secret_access_key = <40 characters>.
    [GeneratedRegex("(?i:(?:aws_?)?secret_?access_?key)[\"']?[ ]{0,3}[:=][ ]{0,3}[\"']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])", RegexOptions.CultureInvariant)]
    private static partial Regex AwsSecretPattern();

    // A credential after an HTTP authorization scheme: "Bearer <token>", "Basic <base64>".
    [GeneratedRegex("(?<![A-Za-z0-9])(?:[Bb]earer|BEARER|Basic) [A-Za-z0-9._~+/=-]{8,}(?![A-Za-z0-9._~+/=-])", RegexOptions.CultureInvariant)]
    private static partial Regex AuthorizationPattern();
}
