using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Candor.Protocols.Codecs;

/// <summary>Parses a whole client body where it already lies. <c>JsonDocument.ParseValue</c> over a reader copies the
/// value into an array rented for the document (a 31 MB body cost 31 MB more while decoded, and the shared pool kept
/// the array); <c>JsonDocument.Parse(ReadOnlyMemory)</c> reads the caller's memory, so the body must outlive the
/// document. What parsing still costs is the document's metadata (12 bytes a token; the first array it rents is as
/// long as the body), which the node counts in its body budget (docs/admission-control.md).</summary>
public static class JsonBody
{
    /// <summary>A copy of <paramref name="body"/> in a pooled array, for a caller that holds the body only as a span
    /// (as parsing through a reader copied it before); disposing returns the array.</summary>
    internal static PooledBodyCopy Copy(ReadOnlySpan<byte> body) => new(body);

    /// <summary>The whole of <paramref name="body"/> as one JSON value, nested at most <paramref name="maxDepth"/>
    /// deep; false (no document) for anything else: invalid JSON, nothing, content after the value, deeper nesting.
    /// The same verdicts as a reader with that depth followed by a check for trailing content.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> body, int maxDepth, [NotNullWhen(true)] out JsonDocument? document)
    {
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = maxDepth });
            return true;
        }
        catch (JsonException)
        {
            document = null;
            return false;
        }
    }
}
