using System.Text.Json;
using Candor.Protocols.Canonical;

namespace Candor.Protocols.Codecs;

/// <summary>A client body whose JSON strings are not text: bytes that are not UTF-8, or an escape that leaves a lone
/// UTF-16 surrogate (<c>"\ud800"</c>). <see cref="JsonDocument"/> parses such a body; reading the string throws
/// <see cref="InvalidOperationException"/>. Decoders catch that once, at their entry point, filtered by
/// <see cref="IsCause"/>: nothing is checked until something throws, so well-formed bodies pay nothing, and an
/// <see cref="InvalidOperationException"/> the body's text did not cause (a decoder bug) still surfaces.</summary>
public static class InvalidText
{
    /// <summary>The 400 every surface answers (it names no content).</summary>
    public static RelayError Error { get; } = RelayError.BadRequest(
        "The request body contains a string that is not valid UTF-8 or holds a lone UTF-16 surrogate escape.");

    /// <summary>Whether <paramref name="json"/> holds a string or property name that cannot be read as text.
    /// Walks the body once; called only after a read has thrown.</summary>
    public static bool IsCause(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 1024 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && !CanRead(ref reader))
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON at all: the decoder refuses that on its own.
        }

        return false;
    }

    private static bool CanRead(ref Utf8JsonReader reader)
    {
        try
        {
            _ = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
