using System.Buffers;

namespace Candor.Core.Privacy.Redaction;

/// <summary>Tells a secret from what only looks like one: a template placeholder (<c>{password}</c>,
/// <c>${TOKEN}</c>, <c>&lt;api-key&gt;</c>, <c>xoxb-your-token</c>, <c>sk-xxxxxxxx…</c>), a code reference
/// (<c>os.environ["X"]</c>, <c>config.password</c>), a type (<c>password: string</c>), a port in a URL, a word.</summary>
internal static class SecretValues
{
    /// <summary>Assignment names, longest first where one begins another (so "secret_key" wins over "secret").</summary>
    private static readonly string[] Names =
        ["password", "passwd", "passphrase", "private_key", "access_key", "accesskey", "secret_key", "secretkey", "api_key", "api-key", "apikey", "secret",
         "token", "pwd", "密码", "口令", "密钥"];

    private static readonly SearchValues<string> PlaceholderWords = SearchValues.Create(
        ["your", "xxxx", "****", "...", "placeholder", "redacted", "changeme", "change_me", "dummy", "replace", "insert", "example_", "<", ">", "{", "}", "${"],
        StringComparison.OrdinalIgnoreCase);

    private static readonly string[] NotValues =
        ["password", "passwd", "pass", "pwd", "secret", "token", "none", "null", "nil", "true", "false", "undefined", "required", "optional", "string", "str",
         "int", "bool", "boolean", "number", "any", "hidden", "redacted", "changeme", "example", "value", "empty", "env", "dummy", "test", "xxx", "secret_key",
         "api_key", "apikey", "bearer", "default", "unknown", "missing", "omitted", "masked", "text", "object", "varchar", "char"];

    /// <summary>True when a key-shaped token is a placeholder: a word such as "your", "xxxx" or "…", template
    /// brackets, or too few distinct characters to be random.</summary>
    public static bool IsPlaceholder(ReadOnlySpan<char> token) => token.IndexOfAny(PlaceholderWords) >= 0 || Distinct(token) < 8;

    /// <summary>True when a value after "Bearer" or "Basic" is a credential: Basic's decodes to <c>user:password</c>;
    /// a bearer token has at least 16 characters, digits or mixed case, and is no placeholder.</summary>
    public static bool IsCredential(ReadOnlySpan<char> scheme, ReadOnlySpan<char> credential)
    {
        if (scheme.StartsWith("Basic", StringComparison.Ordinal))
        {
            Span<byte> decoded = stackalloc byte[192];
            return credential.Length <= 256 && Convert.TryFromBase64Chars(credential, decoded, out int n) && decoded[..n].Contains((byte)':')
                && !decoded[..n].ContainsAnyExceptInRange((byte)0x20, (byte)0x7E);
        }

        return credential.Length >= 16 && RandomLooking(credential) && !IsPlaceholder(credential);
    }

    /// <summary>True when the user-info of a URL holds a password: not a template (<c>{user}:{password}</c>,
    /// <c>${DB_PASS}</c>, <c>&lt;password&gt;</c>), not a word such as "password", not a port followed by a path.</summary>
    public static bool IsUrlPassword(ReadOnlySpan<char> user, ReadOnlySpan<char> password)
    {
        if (password.IsEmpty || IsTemplate(user) || IsTemplate(password) || IsNotValue(password) || password.IndexOfAny(PlaceholderWords) >= 0)
        {
            return false;
        }

        int slash = password.IndexOf('/');
        var head = slash < 0 ? password : password[..slash];
        return !(head.Length <= 5 && !head.IsEmpty && !head.ContainsAnyExceptInRange('0', '9'));
    }

    /// <summary>True when the assignment name found at <paramref name="at"/> starts a word: after a non-letter, or
    /// a camel-case part (<c>dbPassword</c>).</summary>
    public static bool NameStart(ReadOnlySpan<char> text, int at)
        => at == 0 || !char.IsAsciiLetter(text[at]) || !char.IsAsciiLetter(text[at - 1]) || (char.IsAsciiLetterLower(text[at - 1]) && char.IsAsciiLetterUpper(text[at]));

    /// <summary>The end of the longest assignment name at <paramref name="at"/>.</summary>
    public static int NameEnd(ReadOnlySpan<char> text, int at)
    {
        foreach (string name in Names)
        {
            if (text[at..].StartsWith(name, StringComparison.OrdinalIgnoreCase))
            {
                return at + name.Length;
            }
        }

        return -1;
    }

    /// <summary>Finds the value assigned after the name ending at <paramref name="nameEnd"/>: an optional closing
    /// quote, <c>=</c>, <c>:</c>, <c>：</c> or <c>=&gt;</c> (after a Chinese name also 是/为), an optional opening
    /// quote, then the value up to its closing quote or, unquoted, the next space or delimiter.</summary>
    public static bool AssignedValue(ReadOnlySpan<char> text, int nameStart, int nameEnd, out int start, out int length)
    {
        start = length = 0;
        int i = nameEnd;
        if (i < text.Length && text[i] is '"' or '\'')
        {
            i++;
        }

        i = Spaces(text, i);
        if (i >= text.Length)
        {
            return false;
        }

        bool chinese = text[nameStart] > 0x7F;
        if (text[i] == '=' && i + 1 < text.Length && text[i + 1] == '>')
        {
            i += 2;
        }
        else if (text[i] is ':' or '=' or '：' || (chinese && text[i] is '是' or '为'))
        {
            i++;
        }
        else
        {
            return false;
        }

        i = Spaces(text, i);
        char quote = i < text.Length && text[i] is '"' or '\'' or '`' ? text[i] : '\0';
        if (quote != '\0')
        {
            i++;
        }

        int end = i;
        while (end < text.Length && end - i < 200)
        {
            char c = text[end];
            if (quote != '\0' ? c == quote || c is '\n' or '\r' : c <= ' ' || c > '~' || c is ',' or ';' or ')' or '}' or ']' or '"' or '\'' or '`' or '<' or '>' || (c == '&' && QueryParameter(text[(end + 1)..])))
            {
                break;
            }

            end++;
        }

        var value = text[i..end];
        if (quote != '\0' && (end >= text.Length || text[end] != quote))
        {
            return false;
        }

        bool password = IsPasswordName(text[nameStart..nameEnd]);
        if (value.Length < (password ? 4 : 8) || value.Length >= 200 || IsTemplate(value) || IsNotValue(value) || IsReference(value)
            || value.IndexOfAny(PlaceholderWords) >= 0 || value.ContainsAnyInRange('\u0080', '\uFFFF') || (!password && !RandomLooking(value)))
        {
            return false;
        }

        if (value.StartsWith("!vault", StringComparison.Ordinal))
        {
            return false;
        }

        start = i;
        length = value.Length;
        return true;
    }

    /// <summary>True when <paramref name="rest"/> starts a URL query's next parameter (<c>name=</c>): the '&amp;'
    /// before it ends the value.</summary>
    private static bool QueryParameter(ReadOnlySpan<char> rest)
    {
        int i = 0;
        while (i < rest.Length && i < 32 && (char.IsAsciiLetterOrDigit(rest[i]) || rest[i] is '_' or '-' or '.'))
        {
            i++;
        }

        return i > 0 && i < rest.Length && rest[i] == '=';
    }

    private static bool IsPasswordName(ReadOnlySpan<char> name)
        => name.StartsWith("pass", StringComparison.OrdinalIgnoreCase) || name.Equals("pwd", StringComparison.OrdinalIgnoreCase) || name is "密码" or "口令";

    private static int Spaces(ReadOnlySpan<char> text, int i)
    {
        int limit = i + 3;
        while (i < text.Length && i < limit && text[i] is ' ' or '\t')
        {
            i++;
        }

        return i;
    }

    /// <summary>Template syntax: <c>{x}</c>, <c>{{x}}</c>, <c>${X}</c>, <c>$X</c>, <c>$(x)</c>, <c>&lt;x&gt;</c>,
    /// <c>[x]</c>, <c>%(x)s</c>, <c>%X%</c>, <c>:x</c>; a YAML block marker; a path; nothing but asterisks.</summary>
    private static bool IsTemplate(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return true;
        }

        return value[0] switch
        {
            '{' or '<' or '[' or ':' or '|' or '>' or '/' or '~' or '(' => true,
            '$' => value.Length > 1 && (value[1] is '{' or '(' or '_' || char.IsAsciiLetter(value[1])),
            '%' => value.StartsWith("%(", StringComparison.Ordinal) || value.EndsWith('%') || value.Contains("%s", StringComparison.Ordinal),
            '*' => !value.ContainsAnyExcept('*'),
            '.' => value.StartsWith("./", StringComparison.Ordinal) || value.StartsWith("../", StringComparison.Ordinal),
            _ => false,
        };
    }

    private static bool IsNotValue(ReadOnlySpan<char> value)
    {
        foreach (string word in NotValues)
        {
            if (value.Equals(word, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A reference in code rather than a value: a call or index (<c>getenv("X")</c>, <c>env["X"]</c>) or a
    /// dotted name (<c>process.env.TOKEN</c>, <c>settings.SECRET_KEY</c>).</summary>
    private static bool IsReference(ReadOnlySpan<char> value)
    {
        if (value.IndexOfAny('(', '[') >= 0)
        {
            return true;
        }

        int dots = 0;
        bool partStart = true;
        foreach (char c in value)
        {
            if (c == '.')
            {
                if (partStart)
                {
                    return false;
                }

                dots++;
                partStart = true;
            }
            else if (partStart ? char.IsAsciiLetter(c) || c == '_' : char.IsAsciiLetterOrDigit(c) || c == '_')
            {
                partStart = false;
            }
            else
            {
                return false;
            }
        }

        return dots > 0 && !partStart;
    }

    /// <summary>Digits and letters, or both cases: a token, not a word.</summary>
    private static bool RandomLooking(ReadOnlySpan<char> value)
    {
        bool digit = value.ContainsAnyInRange('0', '9'), lower = value.ContainsAnyInRange('a', 'z'), upper = value.ContainsAnyInRange('A', 'Z');
        return (digit && (lower || upper)) || (lower && upper);
    }

    private static int Distinct(ReadOnlySpan<char> token)
    {
        Span<bool> seen = stackalloc bool[128];
        int n = 0;
        foreach (char c in token)
        {
            if (c < 128 && !seen[c])
            {
                seen[c] = true;
                n++;
            }
        }

        return n;
    }
}
