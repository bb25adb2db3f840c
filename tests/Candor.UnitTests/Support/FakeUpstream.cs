using System.Net;
using System.Text;
using Candor.Core.Configuration;
using Candor.Core.Routing;
using Candor.Providers.OpenAI;

namespace Candor.UnitTests.Support;

/// <summary>An in-memory upstream for the upstream caller's users: an OpenAI channel whose client answers through
/// <see cref="Answer"/> (or throws what it throws).</summary>
internal sealed class FakeUpstream(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
{
    public Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> Answer { get; } = answer;

    /// <summary>A channel reaching this upstream with the given timeouts.</summary>
    public ChannelRuntime Channel(TimeSpan? firstByte = null, TimeSpan? idle = null) => new(
        new ChannelSettings
        {
            Id = "fake",
            Provider = "openai",
            BaseUrl = new Uri("http://upstream.invalid/v1/"),
            ApiKey = "k",
            FirstByteTimeout = firstByte ?? TimeSpan.FromSeconds(30),
            IdleTimeout = idle ?? TimeSpan.FromSeconds(30),
        },
        new OpenAIAdapter(),
        new HttpClient(this, disposeHandler: false));

    /// <summary>A 200 JSON answer whose body is <paramref name="body"/>.</summary>
    public static HttpResponseMessage Json(Stream body, HttpStatusCode status = HttpStatusCode.OK)
    {
        var content = new StreamContent(body);
        content.Headers.ContentType = new("application/json");
        return new HttpResponseMessage(status) { Content = content };
    }

    public static HttpResponseMessage Json(string body, HttpStatusCode status = HttpStatusCode.OK) => Json(new MemoryStream(Encoding.UTF8.GetBytes(body)), status);

    /// <summary>An OpenAI chat completion saying <paramref name="text"/>.</summary>
    public static string Completion(string text) =>
        $$$"""{"id":"c1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"{{{text}}}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Answer(request, cancellationToken);
}

/// <summary>A body that gives <paramref name="chunks"/> one per read, each after its delay, then throws
/// <paramref name="end"/> (or ends).</summary>
internal sealed class ScriptedStream(IReadOnlyList<(TimeSpan Delay, byte[] Bytes)> chunks, Exception? end = null) : Stream
{
    private int _next;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_next >= chunks.Count)
        {
            return end is null ? 0 : throw end;
        }

        var (delay, bytes) = chunks[_next++];
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }

        bytes.CopyTo(buffer);
        return bytes.Length;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
