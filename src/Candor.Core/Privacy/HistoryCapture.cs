using System.Text;
using Candor.Core.Accounting;
using Candor.Protocols.Canonical;

namespace Candor.Core.Privacy;

/// <summary>What one request of an account with history on will be remembered as: a copy of the client's body and
/// the answer's text and tool calls as the client received them. Lives only in memory until the request settles;
/// then it is handed to <see cref="HistoryRecorder"/>, which encrypts it off the request's path. The answer is
/// capped (<see cref="MaxOutputChars"/>), so memory stays bounded even for accounts that opted in.</summary>
internal sealed class HistoryCapture
{
    /// <summary>The most answer text kept per request; beyond it the entry is marked truncated.</summary>
    public const int MaxOutputChars = 1 << 20;

    private readonly HistoryRecorder _recorder;
    private readonly StringBuilder _text = new();
    private readonly List<(string Name, StringBuilder Arguments)> _tools = [];
    private int _kept;
    private int _completed;

    internal HistoryCapture(HistoryRecorder recorder, string accountId, string keyId, string requestId, string surface, string model,
        byte[] request, DateTimeOffset createdAt, int retentionDays)
    {
        _recorder = recorder;
        AccountId = accountId;
        KeyId = keyId;
        RequestId = requestId;
        Surface = surface;
        Model = model;
        Request = request;
        CreatedAt = createdAt;
        RetentionDays = retentionDays;
    }

    /// <summary>The owning account.</summary>
    public string AccountId { get; }

    /// <summary>The key that made the request.</summary>
    public string KeyId { get; }

    /// <summary>The request id.</summary>
    public string RequestId { get; }

    /// <summary>The client surface.</summary>
    public string Surface { get; }

    /// <summary>The public model asked for.</summary>
    public string Model { get; }

    /// <summary>The client's body as received (a private copy).</summary>
    internal byte[] Request { get; }

    /// <summary>When the request arrived.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Days until the entry is purged.</summary>
    public int RetentionDays { get; }

    /// <summary>The model the upstream said answered.</summary>
    public string? ServedModel { get; private set; }

    /// <summary>How the request ended.</summary>
    public StreamOutcome Outcome { get; private set; }

    /// <summary>True when the answer exceeded <see cref="MaxOutputChars"/>.</summary>
    public bool Truncated { get; private set; }

    /// <summary>For an embeddings request: how many vectors the answer held; null for chat.</summary>
    public int? Embeddings { get; private set; }

    /// <summary>For an embeddings request: the vectors' dimension.</summary>
    public int Dimensions { get; private set; }

    internal string Text => _text.ToString();

    internal IReadOnlyList<(string Name, StringBuilder Arguments)> Tools => _tools;

    /// <summary>Notes an event the client received.</summary>
    public void Observe(ChatEvent ev)
    {
        switch (ev)
        {
            case ResponseStarted { Model: { } model }:
                ServedModel = model;
                break;
            case TextDelta t:
                Keep(_text, t.Text);
                break;
            case ToolCallStarted s:
                while (_tools.Count <= s.ToolIndex)
                {
                    _tools.Add(("", new StringBuilder()));
                }

                _tools[s.ToolIndex] = (s.Name, _tools[s.ToolIndex].Arguments);
                break;
            case ToolCallArgumentsDelta a:
                while (_tools.Count <= a.ToolIndex)
                {
                    _tools.Add(("", new StringBuilder()));
                }

                Keep(_tools[a.ToolIndex].Arguments, a.Fragment);
                break;
        }
    }

    /// <summary>Notes an embeddings answer: the model that served it and the shape of the vectors (the vectors
    /// themselves are not kept; the inputs are, in the request).</summary>
    public void ObserveEmbeddings(string? servedModel, int count, int dimensions)
    {
        ServedModel = servedModel ?? ServedModel;
        Embeddings = count;
        Dimensions = dimensions;
    }

    /// <summary>Hands the entry to the recorder once, when the request has settled. Never blocks.</summary>
    public void Complete(StreamOutcome outcome)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            Outcome = outcome;
            _recorder.Enqueue(this);
        }
    }

    private void Keep(StringBuilder target, string text)
    {
        int room = MaxOutputChars - _kept;
        if (text.Length > room)
        {
            Truncated = true;
            text = text[..Math.Max(0, room)];
        }

        target.Append(text);
        _kept += text.Length;
    }
}
