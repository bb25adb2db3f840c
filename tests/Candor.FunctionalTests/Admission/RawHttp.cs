using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Candor.FunctionalTests.Admission;

/// <summary>HTTP/1.1 over a bare socket, for requests no client library would send: a body that stops arriving, a
/// chunked body without its last chunk, a body cut short by the client. <see cref="OpenAsync"/> sends the head and
/// part of a body and leaves the connection open; <see cref="ReadResponseAsync"/> reads one response.</summary>
internal sealed class RawHttp : IDisposable
{
    private readonly TcpClient _client = new();
    private NetworkStream _stream = null!;

    public static async Task<RawHttp> OpenAsync(Uri server, string method, string path, IEnumerable<string> headers, byte[] bodyPart, CancellationToken ct)
    {
        var raw = new RawHttp();
        await raw._client.ConnectAsync(server.Host, server.Port, ct);
        raw._stream = raw._client.GetStream();
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"{method} {path} HTTP/1.1\r\nHost: {server.Authority}\r\n");
        foreach (string header in headers)
        {
            head.Append(header).Append("\r\n");
        }

        head.Append("\r\n");
        await raw._stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), ct);
        if (bodyPart.Length > 0)
        {
            await raw._stream.WriteAsync(bodyPart, ct);
        }

        await raw._stream.FlushAsync(ct);
        return raw;
    }

    /// <summary>Ends the client's side of the connection: the server sees the body end early.</summary>
    public void EndSending() => _client.Client.Shutdown(SocketShutdown.Send);

    /// <summary>Reads one response: status, headers (lower-case names) and the body (Content-Length, chunked, or to the close).</summary>
    public async Task<(int Status, Dictionary<string, string> Headers, string Body)> ReadResponseAsync(CancellationToken ct)
    {
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        int headEnd;
        while ((headEnd = IndexOf(buffer, "\r\n\r\n"u8)) < 0)
        {
            int n = await _stream.ReadAsync(chunk, ct);
            if (n == 0)
            {
                throw new IOException("The server closed the connection before a response head.");
            }

            buffer.AddRange(chunk.AsSpan(0, n));
        }

        string[] lines = Encoding.ASCII.GetString(buffer.GetRange(0, headEnd).ToArray()).Split("\r\n");
        int status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }

        var rest = buffer.GetRange(headEnd + 4, buffer.Count - headEnd - 4);
        async Task<bool> More()
        {
            int n = await _stream.ReadAsync(chunk, ct);
            rest.AddRange(chunk.AsSpan(0, n));
            return n > 0;
        }

        byte[] body;
        if (headers.TryGetValue("content-length", out string? length))
        {
            int want = int.Parse(length, CultureInfo.InvariantCulture);
            while (rest.Count < want && await More())
            {
            }

            body = [.. rest.Take(want)];
        }
        else if (headers.TryGetValue("transfer-encoding", out string? te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var decoded = new List<byte>();
            int at = 0;
            while (true)
            {
                int lineEnd;
                while ((lineEnd = IndexOf(rest, "\r\n"u8, at)) < 0 && await More())
                {
                }

                int size = int.Parse(Encoding.ASCII.GetString(rest.GetRange(at, lineEnd - at).ToArray()).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                at = lineEnd + 2;
                if (size == 0)
                {
                    break;
                }

                while (rest.Count < at + size + 2 && await More())
                {
                }

                decoded.AddRange(rest.GetRange(at, size));
                at += size + 2;
            }

            body = [.. decoded];
        }
        else
        {
            while (await More())
            {
            }

            body = [.. rest];
        }

        return (status, headers, Encoding.UTF8.GetString(body));
    }

    private static int IndexOf(List<byte> data, ReadOnlySpan<byte> pattern, int from = 0)
    {
        for (int i = from; i + pattern.Length <= data.Count; i++)
        {
            bool match = true;
            for (int j = 0; j < pattern.Length && match; j++)
            {
                match = data[i + j] == pattern[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _client.Dispose();
    }
}
