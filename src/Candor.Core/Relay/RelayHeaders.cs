namespace Candor.Core.Relay;

/// <summary>Response headers Candor adds. They carry ids and model names, never content.</summary>
public static class RelayHeaders
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
}
