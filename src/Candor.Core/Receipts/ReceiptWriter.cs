using Candor.Core.Configuration;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;

namespace Candor.Core.Receipts;

/// <summary>Writes a receipt object directly in canonical form (RFC 8785): no JSON is built or parsed on the request
/// path. The unit tests check that its output equals its own <see cref="Jcs"/> canonicalization.</summary>
internal static class ReceiptWriter
{
    /// <summary>The receipt format version.</summary>
    public const int Version = 1;

    /// <summary>The receipt object in RFC 8785 form. Members are written in canonical order: sorted by their names'
    /// UTF-16 code units (all ASCII here, and <c>_</c> sorts before letters); a new member goes in its sorted place.</summary>
    internal static void WriteReceipt(PooledBufferWriter w, ReceiptDraft d, Usage? reported, ReceiptMetering? metering, string outcome, int status,
        DateTimeOffset now, string? logOrigin, long logMaxMergeDelaySeconds)
    {
        w.Write("{\"attempts\":"u8);
        CanonicalJsonWriter.Number(w, d.Attempts);

        w.Write(",\"channel\":"u8);
        if (d.Channel is { } channel)
        {
            WriteChannel(w, channel);
        }
        else
        {
            w.Write("null"u8);
        }

        w.Write(",\"charge\":"u8);
        if (metering is { } m)
        {
            w.Write("{\"micros\":"u8);
            CanonicalJsonWriter.NumberOrNull(w, m.ChargeMicros);

            w.Write(",\"price\":"u8);
            if (m.Price is { } price)
            {
                w.Write("{\"cached_input_per_million_micros\":"u8);
                CanonicalJsonWriter.Number(w, price.CachedInputPerMillion);
                w.Write(",\"input_per_million_micros\":"u8);
                CanonicalJsonWriter.Number(w, price.InputPerMillion);
                w.Write(",\"output_per_million_micros\":"u8);
                CanonicalJsonWriter.Number(w, price.OutputPerMillion);
                w.Write(",\"per_request_micros\":"u8);
                CanonicalJsonWriter.Number(w, price.PerRequest);
                w.Write("}"u8);
            }
            else
            {
                w.Write("null"u8);
            }

            // Added after v1 shipped, and only for the media endpoints (docs/endpoints.md): the units billed, their
            // name and the unit price applied.
            if (m.Units is { } units)
            {
                w.Write(",\"units\":{\"billed\":"u8);
                CanonicalJsonWriter.Number(w, units.Billed);
                w.Write(",\"price_micros\":"u8);
                CanonicalJsonWriter.NumberOrNull(w, m.Price is { } applied ? units.UnitPrice(applied) : null);

                w.Write(",\"unit\":"u8);
                CanonicalJsonWriter.String(w, units.Unit);
                w.Write("}"u8);
            }

            w.Write("}"u8);
        }
        else
        {
            w.Write("null"u8);
        }

        // Added after v1 shipped, and only when an attempt failed before the answering one (failover): every upstream that
        // received the request is named on its receipt.
        if (d.FailedAttempts is { Count: > 0 } failed)
        {
            WriteFailedAttempts(w, failed);
        }

        w.Write(",\"flags\":["u8);
        var flags = d.FlagList;
        for (int i = 0; i < flags.Count; i++)
        {
            if (i > 0)
            {
                w.Write(","u8);
            }

            CanonicalJsonWriter.String(w, flags[i]);
        }

        w.Write("],\"forwarded\":"u8);
        if (d.ForwardedSha256 is { } forwarded)
        {
            w.Write("{\"bytes\":"u8);
            CanonicalJsonWriter.Number(w, d.ForwardedBytes);
            w.Write(",\"sha256\":"u8);
            CanonicalJsonWriter.Hex(w, forwarded);
            w.Write("}"u8);
        }
        else
        {
            w.Write("null"u8);
        }

        w.Write(",\"id\":"u8);
        CanonicalJsonWriter.String(w, d.Id);
        w.Write(",\"key\":"u8);
        CanonicalJsonWriter.String(w, d.Pseudonym);
        w.Write(",\"kind\":"u8); // added after v1 shipped; absent means chat (docs/receipts.md)
        CanonicalJsonWriter.String(w, d.Kind);

        w.Write(",\"log\":"u8);
        if (logOrigin is not null)
        {
            w.Write("{\"max_merge_delay_s\":"u8);
            CanonicalJsonWriter.Number(w, logMaxMergeDelaySeconds);
            w.Write(",\"origin\":"u8);
            CanonicalJsonWriter.String(w, logOrigin);
            w.Write("}"u8);
        }
        else
        {
            w.Write("null"u8);
        }

        w.Write(",\"metering\":"u8); // added after v1 shipped (MeteringKind)
        CanonicalJsonWriter.String(w, MeteringKind.Of(d, metered: metering is not null));
        w.Write(",\"model\":{\"expected\":"u8); // added after v1 shipped: a deployment's declared served_model
        CanonicalJsonWriter.String(w, d.ExpectedModel);
        w.Write(",\"reported\":"u8);
        CanonicalJsonWriter.String(w, d.ReportedModel);
        w.Write(",\"requested\":"u8);
        CanonicalJsonWriter.String(w, d.RequestedModel);
        w.Write(",\"upstream\":"u8);
        CanonicalJsonWriter.String(w, d.UpstreamModel);

        w.Write("},\"outcome\":"u8);
        CanonicalJsonWriter.String(w, outcome);
        w.Write(",\"path\":"u8);
        CanonicalJsonWriter.String(w, d.Path);

        // Added after v1 shipped, and only when routing left out a channel an audit quarantined.
        if (d.QuarantineAvoided is { Count: > 0 } avoided)
        {
            w.Write(",\"quarantine_avoided\":["u8);
            for (int i = 0; i < avoided.Count; i++)
            {
                if (i > 0)
                {
                    w.Write(","u8);
                }

                CanonicalJsonWriter.String(w, avoided[i]);
            }

            w.Write("]"u8);
        }

        w.Write(",\"request\":{\"bytes\":"u8);
        CanonicalJsonWriter.Number(w, d.RequestBytes);
        w.Write(",\"sha256\":"u8);
        CanonicalJsonWriter.Hex(w, d.RequestSha256);
        w.Write("},\"request_id\":"u8);
        CanonicalJsonWriter.String(w, d.RequestId);

        w.Write(",\"response\":{\"delivered_bytes\":"u8);
        CanonicalJsonWriter.Number(w, d.DeliveredBytes);
        w.Write(",\"delivered_sha256\":"u8);
        Span<byte> digest = stackalloc byte[32];
        d.DeliveredSha256(digest);
        CanonicalJsonWriter.Hex(w, digest);
        w.Write(",\"upstream_bytes\":"u8);
        CanonicalJsonWriter.Number(w, d.UpstreamBytes);
        w.Write(",\"upstream_sha256\":"u8);
        if (d.UpstreamSha256(digest))
        {
            CanonicalJsonWriter.Hex(w, digest);
        }
        else
        {
            w.Write("null"u8);
        }

        w.Write("},\"status\":"u8);
        CanonicalJsonWriter.Number(w, status);
        w.Write(",\"surface\":"u8);
        CanonicalJsonWriter.String(w, d.Surface);
        w.Write(",\"time\":"u8);
        CanonicalJsonWriter.Time(w, now);

        w.Write(",\"transformations\":["u8);
        bool first = true;
        foreach (var list in (ReadOnlySpan<List<Transformation>>)[d.RequestTransformations, d.AttemptTransformations])
        {
            foreach (var t in list)
            {
                if (!first)
                {
                    w.Write(","u8);
                }

                first = false;
                w.Write("{\"detail\":"u8);
                CanonicalJsonWriter.String(w, t.Detail);
                w.Write(",\"kind\":"u8);
                CanonicalJsonWriter.String(w, t.Kind);
                w.Write(",\"target\":"u8);
                CanonicalJsonWriter.String(w, t.Target);
                w.Write("}"u8);
            }
        }

        w.Write("],\"upstream\":{\"response_id\":"u8);
        CanonicalJsonWriter.String(w, d.UpstreamResponseId);
        if (d.UpstreamStatus is { } upstreamStatus)
        {
            // Added after v1 shipped, and only when a response arrived: the upstream's own status (an error
            // status included), which the client's status does not repeat (a 500 upstream is a 502 to the client).
            w.Write(",\"status\":"u8);
            CanonicalJsonWriter.Number(w, upstreamStatus);
        }

        w.Write(",\"system_fingerprint\":"u8);
        CanonicalJsonWriter.String(w, d.SystemFingerprint);

        w.Write("},\"usage\":{\"billed\":"u8);
        if (metering is { } billedBy)
        {
            WriteUsage(w, billedBy.Billed);
            w.Write(",\"counted\":{\"input_tokens\":"u8);
            CanonicalJsonWriter.Number(w, billedBy.CountedInput);
            w.Write(",\"output_tokens\":"u8);
            CanonicalJsonWriter.Number(w, billedBy.CountedOutput);
            w.Write("}"u8);
        }
        else
        {
            // Configuration keys are not metered: Candor did not count.
            w.Write("null,\"counted\":null"u8);
        }

        w.Write(",\"reported\":"u8);
        WriteUsage(w, reported);
        w.Write("},\"v\":"u8);
        CanonicalJsonWriter.Number(w, Version);
        w.Write("}"u8);
    }

    /// <summary>A channel as receipts name it: id, provider, region and data policy (never its URL or credential).</summary>
    private static void WriteChannel(PooledBufferWriter w, ChannelSettings channel)
    {
        w.Write("{\"data_policy\":{\"region\":"u8);
        CanonicalJsonWriter.String(w, channel.DataPolicy.Region);
        w.Write(",\"retention\":"u8);
        CanonicalJsonWriter.String(w, EnumNames<Privacy.UpstreamRetention>.Of(channel.DataPolicy.Retention));
        w.Write(",\"training\":"u8);
        CanonicalJsonWriter.String(w, EnumNames<Privacy.TrainingUse>.Of(channel.DataPolicy.Training));
        w.Write("},\"id\":"u8);
        CanonicalJsonWriter.String(w, channel.Id);
        w.Write(",\"provider\":"u8);
        CanonicalJsonWriter.String(w, channel.Provider);
        w.Write(",\"region\":"u8);
        CanonicalJsonWriter.String(w, channel.Region);
        w.Write("}"u8);
    }

    private static void WriteFailedAttempts(PooledBufferWriter w, IReadOnlyList<FailedAttempt> failed)
    {
        w.Write(",\"failed_attempts\":["u8);
        for (int i = 0; i < failed.Count; i++)
        {
            var a = failed[i];
            w.Write(i == 0 ? "{\"channel\":"u8 : ",{\"channel\":"u8);
            WriteChannel(w, a.Channel);
            w.Write(",\"error\":"u8);
            CanonicalJsonWriter.String(w, a.Error);
            w.Write(",\"forwarded\":{\"bytes\":"u8);
            CanonicalJsonWriter.Number(w, a.ForwardedBytes);
            w.Write(",\"sha256\":"u8);
            CanonicalJsonWriter.Hex(w, a.ForwardedSha256);
            w.Write("},\"upstream\":{\"bytes\":"u8);
            CanonicalJsonWriter.Number(w, a.UpstreamBytes);
            w.Write(",\"sha256\":"u8);
            CanonicalJsonWriter.HexOrNull(w, a.UpstreamSha256);

            w.Write(",\"status\":"u8);
            CanonicalJsonWriter.NumberOrNull(w, a.UpstreamStatus);
            w.Write("},\"upstream_model\":"u8);
            CanonicalJsonWriter.String(w, a.UpstreamModel);
            w.Write("}"u8);
        }

        w.Write("]"u8);
    }

    private static void WriteUsage(PooledBufferWriter w, Usage? usage)
    {
        if (usage is null)
        {
            w.Write("null"u8);
            return;
        }

        w.Write("{\"cache_write_input_tokens\":"u8);
        CanonicalJsonWriter.NumberOrNull(w, usage.CacheWriteInputTokens);
        w.Write(",\"cached_input_tokens\":"u8);
        CanonicalJsonWriter.NumberOrNull(w, usage.CachedInputTokens);
        w.Write(",\"input_tokens\":"u8);
        CanonicalJsonWriter.NumberOrNull(w, usage.InputTokens);
        w.Write(",\"output_tokens\":"u8);
        CanonicalJsonWriter.NumberOrNull(w, usage.OutputTokens);
        w.Write(",\"reasoning_tokens\":"u8);
        CanonicalJsonWriter.NumberOrNull(w, usage.ReasoningTokens);
        w.Write(",\"total_tokens\":"u8);
        CanonicalJsonWriter.NumberOrNull(w, usage.TotalTokens);
        w.Write("}"u8);
    }
}
