using System.Text;

namespace Candor.Core.Privacy.Redaction;

/// <summary>Restores placeholders in one stream of text fragments (a choice's text, or one tool call's
/// arguments) whose placeholders may be split across fragments. It holds back only a tail that could still
/// become a placeholder — an opening bracket followed by at most a label, '_' and digits, shorter than the
/// longest placeholder — and releases everything else at once.</summary>
internal sealed class PlaceholderStream(Redactor redactor, bool json)
{
    private string _held = "";

    /// <summary>True when text is held back.</summary>
    public bool Holding => _held.Length > 0;

    /// <summary>Takes the next fragment and returns the text that can leave now (possibly empty).</summary>
    public string Push(string fragment)
    {
        if (_held.Length == 0 && fragment.IndexOf(Redactor.Open, StringComparison.Ordinal) < 0)
        {
            return fragment;
        }

        string text = _held.Length == 0 ? fragment : string.Concat(_held, fragment);
        int keep = HeldTail(text);
        _held = keep == text.Length ? "" : text[keep..];
        return redactor.RestoreAll(keep == text.Length ? text : text[..keep], json);
    }

    /// <summary>Releases whatever is held (the stream or the choice ended).</summary>
    public string Flush()
    {
        string rest = _held;
        _held = "";
        return rest.Length == 0 ? rest : redactor.RestoreAll(rest, json);
    }

    /// <summary>The index from which the text could be the start of a placeholder not yet closed; the
    /// length when nothing needs holding.</summary>
    private static int HeldTail(string text)
    {
        int open = text.LastIndexOf(Redactor.Open);
        if (open < 0 || text.Length - open >= Redactor.MaxPlaceholderLength)
        {
            return text.Length;
        }

        for (int i = open + 1; i < text.Length; i++)
        {
            char c = text[i];
            if (!(char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                // A closed placeholder, or something that cannot become one.
                return text.Length;
            }
        }

        return open;
    }
}
