namespace Candor.Core.Upstream;

/// <summary>An upstream request body whose bytes can be read without copying, so the receipt can hash exactly
/// what was forwarded (implemented by the providers' pooled JSON content).</summary>
internal interface IForwardedBody
{
    /// <summary>The body bytes as they are sent.</summary>
    ReadOnlyMemory<byte> Body { get; }
}
