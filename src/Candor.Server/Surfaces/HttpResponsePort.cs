using System.IO.Pipelines;
using Candor.Core.Relay;

namespace Candor.Server.Surfaces;

/// <summary>The relay's <see cref="ResponsePort"/> over ASP.NET Core's <see cref="HttpContext"/>: one small object per
/// relayed request, holding nothing but the context.</summary>
internal sealed class HttpResponsePort(HttpContext http) : ResponsePort
{
    /// <summary>The exchange this port writes to.</summary>
    public HttpContext Http { get; } = http;

    public override int StatusCode
    {
        get => Http.Response.StatusCode;
        set => Http.Response.StatusCode = value;
    }

    public override bool HasStarted => Http.Response.HasStarted;

    public override PipeWriter Body => Http.Response.BodyWriter;

    public override CancellationToken Aborted => Http.RequestAborted;

    public override void SetHeader(string name, string value) => Http.Response.Headers[name] = value;

    public override void RemoveHeader(string name) => Http.Response.Headers.Remove(name);

    public override void SetContentLength(long length) => Http.Response.ContentLength = length;

    public override void AbortExchange() => Http.Abort();

    public override string? RequestHeader(string name)
    {
        string? value = Http.Request.Headers[name];
        return string.IsNullOrEmpty(value) ? null : value;
    }
}
