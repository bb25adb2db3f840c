using System.Net;

namespace Candor.UnitTests.Support;

/// <summary>Upstreams scripted by host: records what each was sent, answers with <see cref="Respond"/>.</summary>
internal sealed class ScriptedUpstream : HttpMessageHandler
{
    private readonly List<(string Host, string Body)> _requests = [];

    public Func<HttpRequestMessage, HttpResponseMessage> Respond { get; set; } = static _ => new(HttpStatusCode.NotImplemented);

    public IReadOnlyList<(string Host, string Body)> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        lock (_requests)
        {
            _requests.Add((request.RequestUri!.Host, body));
        }

        return Respond(request);
    }
}
