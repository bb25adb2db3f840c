using System.Text;

namespace Candor.Protocols.Canonical;

/// <summary>Gathers events into a <see cref="ChatResponse"/>. Consecutive text or thinking deltas of a
/// choice join into one part; a tool call's argument fragments join into its arguments.</summary>
public sealed class ChatResponseAccumulator
{
    private readonly ChatResponse _response = new();
    private readonly Dictionary<int, ChoiceState> _choices = [];

    public ChatResponse Response => Finish();

    public void Add(ChatEvent ev)
    {
        switch (ev)
        {
            case ResponseStarted s:
                _response.Id = s.Id;
                _response.Model = s.Model;
                _response.CreatedUnixSeconds = s.CreatedUnixSeconds;
                _response.SystemFingerprint = s.SystemFingerprint;
                break;
            case TextDelta t:
                Choice(t.Choice).AppendText(t.Text);
                break;
            case ThinkingDelta th:
                Choice(th.Choice).AppendThinking(th.Text, th.Signature, th.StartsPart);
                break;
            case RedactedThinkingBlock r:
                Choice(r.Choice).AddPart(new RedactedThinkingPart(r.Data));
                break;
            case ToolCallStarted tc:
                Choice(tc.Choice).StartTool(tc.ToolIndex, tc.Id, tc.Name);
                break;
            case ToolCallArgumentsDelta ta:
                Choice(ta.Choice).AppendTool(ta.ToolIndex, ta.Fragment);
                break;
            case LogprobsDelta lp:
                var c = Choice(lp.Choice).Choice;
                c.Logprobs ??= [];
                if (lp.Content.ValueKind == System.Text.Json.JsonValueKind.Array)
                {
                    foreach (var item in lp.Content.EnumerateArray())
                    {
                        c.Logprobs.Add(item.Clone());
                    }
                }

                break;
            case ChoiceFinished f:
                var choice = Choice(f.Choice).Choice;
                choice.FinishReason = f.Reason;
                choice.RawFinishReason = f.RawReason;
                choice.StopSequence = f.StopSequence;
                break;
            case UsageReported u:
                _response.Usage = Usage.Merge(_response.Usage, u.Usage);
                break;
        }
    }

    private ChatResponse Finish()
    {
        foreach (var state in _choices.Values)
        {
            state.Flush();
        }

        _response.Choices.Clear();
        _response.Choices.AddRange(_choices.Values.Select(static s => s.Choice).OrderBy(static c => c.Index));
        return _response;
    }

    private ChoiceState Choice(int index)
    {
        if (!_choices.TryGetValue(index, out var state))
        {
            state = new ChoiceState(new ChatChoice(index));
            _choices[index] = state;
        }

        return state;
    }

    private sealed class ChoiceState(ChatChoice choice)
    {
        private readonly StringBuilder _text = new();
        private readonly Dictionary<int, (ToolCallPart Part, StringBuilder Args)> _tools = [];
        private ThinkingPart? _thinking;
        private StringBuilder? _thinkingText;

        public ChatChoice Choice { get; } = choice;

        public void AppendText(string text)
        {
            FlushThinking();
            _text.Append(text);
        }

        public void AppendThinking(string text, string? signature, bool startsPart)
        {
            FlushText();
            if (startsPart)
            {
                // The next part's signature: the reasoning before it keeps no signature of its own.
                FlushThinking();
            }

            if (_thinking is null)
            {
                _thinking = new ThinkingPart("");
                _thinkingText = new StringBuilder();
                Choice.Parts.Add(_thinking);
            }

            _thinkingText!.Append(text);
            if (signature is not null)
            {
                _thinking.Signature = (_thinking.Signature ?? "") + signature;
            }
        }

        public void AddPart(ContentPart part)
        {
            Flush();
            Choice.Parts.Add(part);
        }

        public void StartTool(int index, string id, string name)
        {
            Flush();
            var part = new ToolCallPart(id, name, "");
            _tools[index] = (part, new StringBuilder());
            Choice.Parts.Add(part);
        }

        public void AppendTool(int index, string fragment)
        {
            if (_tools.TryGetValue(index, out var t))
            {
                t.Args.Append(fragment);
            }
        }

        public void Flush()
        {
            FlushText();
            FlushThinking();
            foreach (var (part, args) in _tools.Values)
            {
                part.ArgumentsJson = args.Length == 0 ? "{}" : args.ToString();
            }
        }

        private void FlushText()
        {
            if (_text.Length > 0)
            {
                Choice.Parts.Add(new TextPart(_text.ToString()));
                _text.Clear();
            }
        }

        private void FlushThinking()
        {
            if (_thinking is not null)
            {
                _thinking.Text = _thinkingText!.ToString();
                _thinking = null;
                _thinkingText = null;
            }
        }
    }
}
