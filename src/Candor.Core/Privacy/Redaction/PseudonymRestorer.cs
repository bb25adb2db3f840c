using Candor.Protocols.Canonical;

namespace Candor.Core.Privacy.Redaction;

/// <summary>Puts the originals back into a response's canonical events: the text of every choice and the
/// arguments of every tool call (JSON-escaped), for whole and streamed answers alike. Text held back at a
/// possible placeholder prefix is released before the next tool call of the same choice, before the choice
/// finishes, before a stream error, and at the end. Reasoning text is left as the model wrote it, so that
/// the signature that covers it stays valid.</summary>
internal sealed class PseudonymRestorer(Redactor redactor)
{
    private readonly Dictionary<int, PlaceholderStream> _text = [];
    private readonly Dictionary<(int Choice, int Tool), PlaceholderStream> _arguments = [];
    private readonly List<ChatEvent> _scratch = [];

    /// <summary>Rewrites <paramref name="events"/> in place; with <paramref name="final"/>, also releases all held text.</summary>
    public void Restore(List<ChatEvent> events, bool final)
    {
        _scratch.Clear();
        foreach (var ev in events)
        {
            switch (ev)
            {
                case TextDelta t when t.Text.Length > 0:
                    string text = Text(t.Choice).Push(t.Text);
                    if (text.Length > 0)
                    {
                        _scratch.Add(ReferenceEquals(text, t.Text) ? t : t with { Text = text });
                    }

                    break;
                case ToolCallArgumentsDelta a when a.Fragment.Length > 0:
                    string args = Arguments(a.Choice, a.ToolIndex).Push(a.Fragment);
                    if (args.Length > 0)
                    {
                        _scratch.Add(ReferenceEquals(args, a.Fragment) ? a : a with { Fragment = args });
                    }

                    break;
                case ToolCallStarted s:
                    FlushChoice(s.Choice);
                    _scratch.Add(s);
                    break;
                case ChoiceFinished f:
                    FlushChoice(f.Choice);
                    _scratch.Add(f);
                    break;
                case StreamFailed:
                    FlushAll();
                    _scratch.Add(ev);
                    break;
                default:
                    _scratch.Add(ev);
                    break;
            }
        }

        if (final)
        {
            FlushAll();
        }

        events.Clear();
        events.AddRange(_scratch);
    }

    private PlaceholderStream Text(int choice)
    {
        if (!_text.TryGetValue(choice, out var stream))
        {
            _text[choice] = stream = new PlaceholderStream(redactor, json: false);
        }

        return stream;
    }

    private PlaceholderStream Arguments(int choice, int tool)
    {
        if (!_arguments.TryGetValue((choice, tool), out var stream))
        {
            _arguments[(choice, tool)] = stream = new PlaceholderStream(redactor, json: true);
        }

        return stream;
    }

    private void FlushText(int choice)
    {
        if (_text.TryGetValue(choice, out var stream) && stream.Holding)
        {
            _scratch.Add(new TextDelta(choice, stream.Flush()));
        }
    }

    private void FlushChoice(int choice)
    {
        FlushText(choice);
        foreach (var ((c, tool), stream) in _arguments)
        {
            if (c == choice && stream.Holding)
            {
                _scratch.Add(new ToolCallArgumentsDelta(c, tool, stream.Flush()));
            }
        }
    }

    private void FlushAll()
    {
        foreach (var choice in _text.Keys)
        {
            FlushChoice(choice);
        }

        foreach (var ((c, tool), stream) in _arguments)
        {
            if (stream.Holding)
            {
                _scratch.Add(new ToolCallArgumentsDelta(c, tool, stream.Flush()));
            }
        }
    }
}
