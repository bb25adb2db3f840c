using System.Text;
using System.Text.Json;

namespace Candor.Core.Privacy.Redaction;

/// <summary>Applies one request's redaction policy to the texts it carries, and remembers what it did: counts
/// per entity type, the first blocked type, and the pseudonyms it issued (so that the response can be
/// restored). One instance per request; not thread-safe.</summary>
/// <remarks>Pseudonyms have the form <c>⟦EMAIL_1⟧</c> (U+27E6, U+27E7): brackets that ordinary text and code
/// almost never contain, so a restore never hits the user's own text, and that models copy verbatim where an
/// angle-bracket or square-bracket form tends to be "fixed" into markup or links. Numbers count per type
/// within the request; the same value gets the same placeholder everywhere in the request.</remarks>
internal sealed class Redactor
{
    /// <summary>Opening bracket of a placeholder.</summary>
    public const char Open = '\u27E6';

    /// <summary>Closing bracket of a placeholder.</summary>
    public const char Close = '\u27E7';

    /// <summary>Longest placeholder: label (at most 9), '_', a number of at most 6 digits, brackets.</summary>
    internal const int MaxPlaceholderLength = 18;

    private readonly EntityAction[] _actions = new EntityAction[EntityNames.Count];
    private readonly int[] _counts = new int[EntityNames.Count];
    private readonly int[] _issued = new int[EntityNames.Count];
    private readonly int _kinds;
    private Dictionary<string, string>? _placeholderByValue;
    private Dictionary<string, string>? _valueByPlaceholder;
    private HashSet<string>? _literals;

    /// <summary>Creates the redactor of one request.</summary>
    public Redactor(RedactionPolicy policy)
    {
        Policy = policy;
        for (int i = 0; i < EntityNames.Count; i++)
        {
            _actions[i] = policy.ActionFor(EntityNames.NameOf((EntityKind)i));
            if (_actions[i] != EntityAction.Allow)
            {
                _kinds |= EntityScanner.Bit((EntityKind)i);
            }
        }
    }

    /// <summary>The policy applied.</summary>
    public RedactionPolicy Policy { get; }

    /// <summary>False when the policy allows every type (nothing is scanned).</summary>
    public bool Active => _kinds != 0;

    /// <summary>True once any text was changed (mask or pseudonym): the client's bytes must not be forwarded.</summary>
    public bool Changed { get; private set; }

    /// <summary>The first entity type found whose action is block; the request must be refused.</summary>
    public string? Blocked { get; private set; }

    /// <summary>True when placeholders were issued and the response needs restoring.</summary>
    public bool HasPseudonyms => _valueByPlaceholder is { Count: > 0 };

    /// <summary>Entities redacted (masked, pseudonymized or blocked) per entity type, in the order of
    /// <see cref="EntityNames.All"/>, types with none left out.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> Counts
    {
        get
        {
            var list = new List<KeyValuePair<string, int>>();
            for (int i = 0; i < _counts.Length; i++)
            {
                if (_counts[i] > 0)
                {
                    list.Add(new(EntityNames.NameOf((EntityKind)i), _counts[i]));
                }
            }

            return list;
        }
    }

    /// <summary>Total entities redacted.</summary>
    public int Total => _counts.Sum();

    /// <summary>The counts as the <c>x-candor-redactions</c> header writes them: <c>email=2,phone=1</c>.</summary>
    public string CountsHeader() => string.Join(',', Counts.Select(static c => $"{c.Key}={c.Value}"));

    /// <summary>Returns <paramref name="text"/> with its entities redacted; the same instance when nothing was found.</summary>
    public string Redact(string text)
    {
        if (_kinds == 0 || string.IsNullOrEmpty(text))
        {
            return text;
        }

        if (text.Contains(Open, StringComparison.Ordinal))
        {
            ReserveLiterals(text);
        }

        List<EntityMatch>? found = null;
        EntityScanner.Scan(text, _kinds, ref found);
        if (found is null)
        {
            return text;
        }

        StringBuilder? sb = null;
        int copied = 0;
        foreach (var m in found)
        {
            var action = _actions[(int)m.Kind];
            if (action == EntityAction.Allow)
            {
                continue;
            }

            _counts[(int)m.Kind]++;
            if (action == EntityAction.Block)
            {
                Blocked ??= EntityNames.NameOf(m.Kind);
                continue;
            }

            sb ??= new StringBuilder(text.Length + 16);
            sb.Append(text, copied, m.Start - copied);
            sb.Append(action == EntityAction.Mask ? EntityNames.MaskOf(m.Kind) : Pseudonym(m.Kind, text.Substring(m.Start, m.Length)));
            copied = m.End;
        }

        if (sb is null)
        {
            return text;
        }

        sb.Append(text, copied, text.Length - copied);
        Changed = true;
        return sb.ToString();
    }

    /// <summary>The original value of a placeholder issued by this redactor.</summary>
    public bool TryRestore(ReadOnlySpan<char> placeholder, out string original)
    {
        if (_valueByPlaceholder is { } map && map.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(placeholder, out var value))
        {
            original = value;
            return true;
        }

        original = "";
        return false;
    }

    /// <summary>Replaces every placeholder of this request in <paramref name="text"/> by its original (JSON-escaped
    /// when the text is the inside of JSON, as tool-call arguments are); the same instance when there is none.</summary>
    public string RestoreAll(string text, bool json)
    {
        if (!HasPseudonyms || text.IndexOf(Open, StringComparison.Ordinal) < 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            int open = text.IndexOf(Open, i);
            if (open < 0)
            {
                break;
            }

            int close = text.IndexOf(Close, open + 1);
            sb.Append(text, i, open - i);
            if (close > open && close - open < MaxPlaceholderLength && TryRestore(text.AsSpan(open, close - open + 1), out var original))
            {
                AppendOriginal(sb, original, json);
                i = close + 1;
            }
            else
            {
                sb.Append(Open);
                i = open + 1;
            }
        }

        sb.Append(text, i, text.Length - i);
        return sb.ToString();
    }

    internal static void AppendOriginal(StringBuilder sb, string original, bool json)
    {
        if (!json)
        {
            sb.Append(original);
            return;
        }

        // Inside a JSON string: escape as a JSON string body (the quotes JsonSerializer adds are dropped).
        string quoted = JsonSerializer.Serialize(original, RedactionJson.Default.String);
        sb.Append(quoted, 1, quoted.Length - 2);
    }

    /// <summary>Remembers the placeholder-shaped spans the client's own text holds, so none is issued.</summary>
    private void ReserveLiterals(string text)
    {
        int open = text.IndexOf(Open, StringComparison.Ordinal);
        while (open >= 0)
        {
            int close = text.IndexOf(Close, open + 1);
            if (close < 0)
            {
                return;
            }

            if (close - open < MaxPlaceholderLength)
            {
                (_literals ??= new HashSet<string>(StringComparer.Ordinal)).Add(text.Substring(open, close - open + 1));
            }

            open = text.IndexOf(Open, open + 1);
        }
    }

    private string Pseudonym(EntityKind kind, string value)
    {
        _placeholderByValue ??= new Dictionary<string, string>(StringComparer.Ordinal);
        _valueByPlaceholder ??= new Dictionary<string, string>(StringComparer.Ordinal);
        string key = string.Concat(EntityNames.LabelOf(kind), ":", value);
        if (!_placeholderByValue.TryGetValue(key, out var placeholder))
        {
            // A placeholder the user typed literally is never issued: its echo in the answer stays what it was.
            do
            {
                placeholder = $"{Open}{EntityNames.LabelOf(kind)}_{++_issued[(int)kind]}{Close}";
            }
            while (_literals?.Contains(placeholder) == true);

            _placeholderByValue[key] = placeholder;
            _valueByPlaceholder[placeholder] = value;
        }

        return placeholder;
    }
}
