using System.Globalization;
using System.Text;

namespace Candor.Core.Relay;

/// <summary>Response headers Candor adds. They carry ids and model names, never content.</summary>
internal static class RelayHeaders
{
    /// <summary>Candor's id for the request.</summary>
    public const string RequestId = "x-request-id";

    /// <summary>The model the upstream reported it served.</summary>
    public const string ServedModel = "x-candor-served-model";

    /// <summary>The public id of the channel that served.</summary>
    public const string Channel = "x-candor-channel";

    /// <summary>How many upstream attempts were made.</summary>
    public const string Attempts = "x-candor-attempts";

    /// <summary>fast (bytes relayed, model rewritten) or translated (through the canonical model).</summary>
    public const string Path = "x-candor-path";

    /// <summary>Milliseconds Candor itself added before the response began (time not spent waiting on the upstream).</summary>
    public const string Overhead = "x-candor-overhead-ms";

    /// <summary>For token counts: upstream (the provider counted) or estimate (Candor's tokenizer).</summary>
    public const string CountSource = "x-candor-count-source";

    /// <summary>What a non-streamed request was charged, in micros (stored keys only).</summary>
    public const string ChargeMicros = "x-candor-charge-micros";

    /// <summary>Entities redacted from the request, per type: <c>email=2,phone=1</c> (only when any were).</summary>
    public const string Redactions = "x-candor-redactions";

    /// <summary>A short description of the privacy policy applied, for example <c>redaction=email:pseudonymize,secret:block</c>.</summary>
    public const string PrivacyPolicy = "x-candor-privacy-policy";

    /// <summary>Sets the route headers every relayed answer carries once an attempt was made (pending until the commit):
    /// the channel that served (or was tried last), the number of attempts, and the path (fast or translated).</summary>
    public static void SetRoute(RelayContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ChannelId is { } channel)
        {
            context.SetHeader(Channel, channel);
        }

        context.SetHeader(Attempts, context.Attempts.ToString(CultureInfo.InvariantCulture));
        context.SetHeader(Path, context.Path);
    }

    /// <summary>A header value made from upstream data (the served model), safe for any upstream: Kestrel refuses a
    /// value with non-ASCII or control characters when the headers go out, after the receipt is stored, so the
    /// client would get a 500 for an answer receipted as 200. Visible ASCII stays as it is (the usual case, no
    /// allocation); every other character and <c>%</c> become percent-encoded UTF-8, a lone surrogate as U+FFFD.</summary>
    public static string Encode(string value)
    {
        int i = 0;
        while (i < value.Length && IsPlain(value[i]))
        {
            i++;
        }

        if (i == value.Length)
        {
            return value;
        }

        var encoded = new StringBuilder(value.Length + 16).Append(value, 0, i);
        Span<byte> utf8 = stackalloc byte[4];
        while (i < value.Length)
        {
            if (IsPlain(value[i]))
            {
                encoded.Append(value[i++]);
                continue;
            }

            // An invalid sequence decodes as U+FFFD and consumes one char.
            _ = Rune.DecodeFromUtf16(value.AsSpan(i), out var rune, out int used);
            int length = rune.EncodeToUtf8(utf8);
            foreach (byte b in utf8[..length])
            {
                encoded.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }

            i += used;
        }

        return encoded.ToString();
    }

    private static bool IsPlain(char c) => c is > ' ' and <= '~' and not '%';
}
