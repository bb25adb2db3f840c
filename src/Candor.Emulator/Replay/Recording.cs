using System.Globalization;
using System.Text;

namespace Candor.Emulator.Replay;

/// <summary>One recorded exchange: the vendor's answers to the successive requests of a conversation, read from a
/// directory of numbered files (<c>1.sse</c>, <c>2.chunks.txt</c>, …). A <c>.sse</c> file is the response body as the
/// vendor sent it, replayed byte for byte; a <c>.chunks.txt</c> file holds one recorded event a line (the form the Vercel
/// AI SDK keeps its fixtures in) and is framed as the vendor frames its stream.</summary>
internal sealed class Recording
{
    private Recording(string name, IReadOnlyList<(byte[] Body, bool Chunks)> turns)
    {
        Name = name;
        Turns = turns;
    }

    /// <summary>The directory's name.</summary>
    public string Name { get; }

    /// <summary>The recorded answers in order, each with whether it is one event a line.</summary>
    public IReadOnlyList<(byte[] Body, bool Chunks)> Turns { get; }

    /// <summary>Reads the recording <paramref name="name"/> under <paramref name="root"/>; null when there is none (or the
    /// name tries to leave the root).</summary>
    public static Recording? Load(string root, string name)
    {
        if (name.Length == 0 || name.AsSpan().ContainsAny("/\\") || name.Contains("..", StringComparison.Ordinal))
        {
            return null;
        }

        var directory = Path.Combine(root, name);
        if (!Directory.Exists(directory))
        {
            return null;
        }

        var turns = new SortedDictionary<int, (byte[], bool)>();
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            var fileName = Path.GetFileName(file);
            bool chunks = fileName.EndsWith(".chunks.txt", StringComparison.Ordinal);
            if (!chunks && !fileName.EndsWith(".sse", StringComparison.Ordinal))
            {
                continue;
            }

            if (int.TryParse(fileName.AsSpan(0, fileName.IndexOf('.', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture, out int turn))
            {
                turns[turn] = (File.ReadAllBytes(file), chunks);
            }
        }

        return turns.Count == 0 ? null : new Recording(name, [.. turns.Values]);
    }

    /// <summary>The body of <paramref name="turn"/> (0-based; past the last, the last) as the vendor's stream:
    /// a <c>.sse</c> body as it is; recorded events framed as <paramref name="framing"/> frames them.</summary>
    public byte[] Body(int turn, ReplayFraming framing)
    {
        var (body, chunks) = Turns[Math.Clamp(turn, 0, Turns.Count - 1)];
        if (!chunks)
        {
            return body;
        }

        var sse = new StringBuilder();
        foreach (var line in Encoding.UTF8.GetString(body).Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            switch (framing)
            {
                case ReplayFraming.Named:
                    sse.Append("event: ").Append(EventType(line)).Append('\n').Append("data: ").Append(line).Append("\n\n");
                    break;
                case ReplayFraming.CrLf:
                    sse.Append("data: ").Append(line).Append("\r\n\r\n");
                    break;
                default:
                    sse.Append("data: ").Append(line).Append("\n\n");
                    break;
            }
        }

        if (framing == ReplayFraming.DoneMarker)
        {
            sse.Append("data: [DONE]\n\n");
        }

        return Encoding.UTF8.GetBytes(sse.ToString());
    }

    private static string EventType(string line)
    {
        using var document = System.Text.Json.JsonDocument.Parse(line);
        return document.RootElement.TryGetProperty("type", out var type) ? type.GetString() ?? "message" : "message";
    }
}
