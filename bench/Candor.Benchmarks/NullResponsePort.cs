using System.IO.Pipelines;
using Candor.Core.Relay;

namespace Candor.Benchmarks;

/// <summary>A <see cref="ResponsePort"/> that keeps headers in a dictionary and discards the body: what the relay's
/// own work costs, without a server.</summary>
internal sealed class NullResponsePort : ResponsePort
{
    private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase);

    public override int StatusCode { get; set; } = 200;

    public override bool HasStarted => false;

    public override PipeWriter Body { get; } = PipeWriter.Create(Stream.Null);

    public override CancellationToken Aborted => CancellationToken.None;

    public override void SetHeader(string name, string value) => _headers[name] = value;

    public override void RemoveHeader(string name) => _headers.Remove(name);

    public override string? RequestHeader(string name) => null;
}
