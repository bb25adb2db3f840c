using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Candor.Core.Accounting;
using Candor.Core.Configuration;
using Candor.Core.Privacy;
using Candor.Core.Receipts;
using Candor.Protocols.Buffers;
using Candor.Protocols.Canonical;

namespace Candor.UnitTests.Core.Receipts;

/// <summary>The relay writes receipts directly in RFC 8785 form (no DOM, no canonicalization pass). These tests
/// hold it to two references: its output must be its own <see cref="Jcs"/> canonical form, and it must equal,
/// byte for byte, the canonicalization of the receipt built the way the first version did (Utf8JsonWriter in
/// declaration order, then <see cref="Jcs.Canonicalize(ReadOnlySpan{byte})"/>), so the wire format is unchanged.</summary>
public sealed class CanonicalReceiptWriterTests
{
    private static readonly string[] Texts =
    [
        "", "gpt-4o-mini", "é", "日本語のモデル", "emoji 😀 and 𝄞", "quote \" backslash \\ slash /", "controls \u0001\u001f\b\f\n\r\t",
        "\u007f delete and \u0080 \u00ff", "\u2028\u2029 separators", "<script>&'", "mixed Ωμέγα-中文-עברית", "\uffff\ufeff",
    ];

    [Fact]
    public void DirectWriter_EqualsItsCanonicalForm_AndTheLegacyReceipt_ForManyReceipts()
    {
        var random = new Random(8785);
        for (int i = 0; i < 500; i++)
        {
            var (draft, reported, metering, outcome, status, now, log) = RandomReceipt(random, i);
            using (draft)
            {
                using var direct = new PooledBufferWriter(256);
                ReceiptWriter.WriteReceipt(direct, draft, reported, metering, outcome, status, now, log?.Origin, log?.Delay ?? 0);
                byte[] canonical = Jcs.Canonicalize(direct.WrittenSpan);
                Assert.Equal(Encoding.UTF8.GetString(canonical), Encoding.UTF8.GetString(direct.WrittenSpan));
                byte[] legacy = Jcs.Canonicalize(LegacyReceiptJson(draft, reported, metering, outcome, status, now, log));
                Assert.Equal(Encoding.UTF8.GetString(legacy), Encoding.UTF8.GetString(direct.WrittenSpan));
            }
        }
    }

    [Fact]
    public void FailedAttempts_WrittenInCanonicalOrder_EachWithItsChannelHashesAndStatus()
    {
        var random = new Random(3);
        using var draft = NewDraft("rcpt_failover", "req_1");
        draft.Attempts = 3;
        foreach (var (id, status) in new[] { ("first", (int?)500), ("second", null), ("served", 200) })
        {
            var channel = new ChannelSettings
            {
                Id = id, Provider = "openai", BaseUrl = new Uri("http://127.0.0.1:1/v1"), Region = "eu",
                DataPolicy = new ChannelDataPolicy("eu", UpstreamRetention.None, TrainingUse.Never),
            };
            byte[] forwarded = new byte[random.Next(1, 300)];
            random.NextBytes(forwarded);
            draft.BeginAttempt(channel, "gpt-" + id, forwarded, []);
            draft.UpstreamStatus = status;
            if (status is not null)
            {
                draft.HashUpstream("{\"error\":{}}"u8);
            }

            if (id != "served")
            {
                draft.AttemptFailed(new RelayError(RelayStage.Upstream, RelayErrorKind.UpstreamUnavailable, 502, "x"));

                // A failure without a new attempt in between (an attempt that sent nothing) adds nothing.
                draft.AttemptFailed(new RelayError(RelayStage.Upstream, RelayErrorKind.UpstreamUnavailable, 502, "x"));
            }
        }

        Assert.Equal(["first", "second"], draft.FailedAttempts.Select(static a => a.Channel.Id));

        using var direct = new PooledBufferWriter(256);
        ReceiptWriter.WriteReceipt(direct, draft, null, null, "complete", 200, DateTimeOffset.UnixEpoch, null, 0);
        Assert.Equal(Encoding.UTF8.GetString(Jcs.Canonicalize(direct.WrittenSpan)), Encoding.UTF8.GetString(direct.WrittenSpan));
        using var json = JsonDocument.Parse(direct.WrittenMemory);
        var failed = json.RootElement.GetProperty("failed_attempts");
        Assert.Equal(2, failed.GetArrayLength());
        Assert.Equal(500, failed[0].GetProperty("upstream").GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.String, failed[0].GetProperty("upstream").GetProperty("sha256").ValueKind);
        Assert.Equal(JsonValueKind.Null, failed[1].GetProperty("upstream").GetProperty("status").ValueKind);
        Assert.Equal(JsonValueKind.Null, failed[1].GetProperty("upstream").GetProperty("sha256").ValueKind);
        Assert.Equal("upstream_unavailable", failed[0].GetProperty("error").GetString());
        Assert.Equal("served", json.RootElement.GetProperty("channel").GetProperty("id").GetString());
    }

    [Fact]
    public void SignedReceipt_FromTheDirectWriter_VerifiesAndIsCanonical()
    {
        using var signer = new ReceiptSigner("relay.example/receipts", Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var sealer = new ReceiptSealer(signer, null, TimeProvider.System);
        var random = new Random(6962);
        for (int i = 0; i < 100; i++)
        {
            var (draft, reported, metering, outcome, status, now, _) = RandomReceipt(random, i);
            using (draft)
            {
                byte[] signed = sealer.Sign(draft, reported, metering, outcome, status, now);
                var result = ReceiptVerifier.Verify(signed, signer.VerifierKey);
                using (result.Receipt)
                {
                    Assert.True(result.Valid, result.Reason);
                }

                Assert.Equal(Jcs.Canonicalize(signed), signed);
                signed[signed.Length / 3] ^= 0x01;
                var changed = ReceiptVerifier.Verify(signed, signer.VerifierKey);
                changed.Receipt?.Dispose();
                Assert.False(changed.Valid);
            }
        }
    }

    [Fact]
    public void LoneSurrogate_FromAnUpstream_IsReplaced_SoTheReceiptStillSigns()
    {
        using var draft = NewDraft("rcpt_1", "req_1");
        draft.Observe(new ResponseStarted("id\ud800x", "model\udc00", 0));
        using var w = new PooledBufferWriter(256);
        ReceiptWriter.WriteReceipt(w, draft, null, null, ReceiptOutcome.Complete, 200, DateTimeOffset.UnixEpoch, null, 0);
        Assert.Equal(Jcs.Canonicalize(w.WrittenSpan), w.WrittenSpan.ToArray());
        using var doc = JsonDocument.Parse(w.WrittenMemory);
        Assert.Equal("id\ufffdx", doc.RootElement.GetProperty("upstream").GetProperty("response_id").GetString());
        Assert.Equal("model\ufffd", doc.RootElement.GetProperty("model").GetProperty("reported").GetString());
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(-1L)]
    [InlineData(9_007_199_254_740_992L)]
    [InlineData(9_007_199_254_740_993L)]
    [InlineData(-9_007_199_254_740_993L)]
    [InlineData(123_456_789_012_345_678L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void Numbers_AreWrittenAsACanonicalizerWouldReadThem(long value)
    {
        using var w = new PooledBufferWriter(64);
        CanonicalJsonWriter.Number(w, value);
        Assert.Equal(Encoding.UTF8.GetString(Jcs.Canonicalize(Encoding.UTF8.GetBytes(value.ToString(CultureInfo.InvariantCulture)))),
            Encoding.UTF8.GetString(w.WrittenSpan));
    }

    [Fact]
    public void EveryCharacterBelow0x3000_IsEscapedAsJcsEscapesIt()
    {
        var all = new StringBuilder();
        for (int c = 0; c < 0x3000; c++)
        {
            if (!char.IsSurrogate((char)c))
            {
                all.Append((char)c);
            }
        }

        using var w = new PooledBufferWriter(64);
        CanonicalJsonWriter.String(w, all.ToString());
        var reference = new ArrayBufferWriter<byte>();
        Jcs.WriteString(all.ToString(), reference);
        Assert.Equal(reference.WrittenSpan.ToArray(), w.WrittenSpan.ToArray());
    }

    private static ReceiptDraft NewDraft(string id, string requestId, string surface = "openai", string owner = "config:bench", string pseudonym = "0123456789abcdef0123456789abcdef", byte[]? body = null) =>
        new(id, requestId, surface, owner, null, pseudonym, body ?? "{\"model\":\"m\"}"u8);

    private static (ReceiptDraft Draft, Usage? Reported, ReceiptMetering? Metering, string Outcome, int Status, DateTimeOffset Now, (string Origin, long Delay)? Log)
        RandomReceipt(Random random, int i)
    {
        string Text() => Texts[random.Next(Texts.Length)] + (random.Next(3) == 0 ? random.Next().ToString(CultureInfo.InvariantCulture) : "");
        string? MaybeText() => random.Next(4) == 0 ? null : Text();
        int? MaybeInt() => random.Next(3) == 0 ? null : random.Next(4) switch { 0 => 0, 1 => random.Next(10), 2 => random.Next(), _ => int.MaxValue };
        Usage? MaybeUsage() => random.Next(3) == 0 ? null : new Usage
        {
            InputTokens = MaybeInt(), OutputTokens = MaybeInt(), CachedInputTokens = MaybeInt(), CacheWriteInputTokens = MaybeInt(),
            ReasoningTokens = MaybeInt(), TotalTokens = MaybeInt(),
        };

        byte[] body = new byte[random.Next(0, 3000)];
        random.NextBytes(body);
        var draft = NewDraft("rcpt_" + i.ToString("x24", CultureInfo.InvariantCulture), Text(), Text(), "config:" + Text(), Text(), body);
        draft.RequestedModel = MaybeText();
        draft.Path = random.Next(3) switch { 0 => "fast", 1 => "translated", _ => "-" };
        draft.Attempts = random.Next(0, 4);
        for (int t = random.Next(3); t > 0; t--)
        {
            draft.AddTransformation(new Transformation(Transformation.Redaction, Text(), random.Next(100).ToString(CultureInfo.InvariantCulture)));
        }

        if (random.Next(5) != 0)
        {
            var channel = new ChannelSettings
            {
                Id = Text(), Provider = Text(), BaseUrl = new Uri("http://127.0.0.1:1/v1"), Region = Text(),
                DataPolicy = new ChannelDataPolicy(Text(), (UpstreamRetention)random.Next(4), (TrainingUse)random.Next(4)),
            };
            byte[] forwarded = new byte[random.Next(0, 3000)];
            random.NextBytes(forwarded);
            var transformations = new List<Transformation>();
            for (int t = random.Next(4); t > 0; t--)
            {
                transformations.Add(new Transformation(Text(), Text(), Text()));
            }

            draft.BeginAttempt(channel, Text(), forwarded, transformations);
            draft.ExpectedModel = MaybeText();
            if (random.Next(4) != 0)
            {
                draft.Observe(new ResponseStarted(Text(), MaybeText(), 0) { SystemFingerprint = MaybeText() });
            }

            if (random.Next(3) != 0 && MaybeUsage() is { } usage)
            {
                draft.Observe(new UsageReported(usage));
            }

            byte[] answer = new byte[random.Next(0, 8000)];
            random.NextBytes(answer);
            if (random.Next(2) == 0)
            {
                draft.HashUpstream(answer);
            }
            else
            {
                using var stream = draft.HashUpstream(new MemoryStream(answer));
                stream.CopyTo(Stream.Null);
            }
        }

        if (random.Next(3) != 0)
        {
            var client = new ArrayBufferWriter<byte>();
            var output = draft.Output(client);
            for (int n = random.Next(1, 5); n > 0; n--)
            {
                var chunk = new byte[random.Next(0, 2000)];
                random.NextBytes(chunk);
                output.Write(chunk);
            }
        }

        for (int f = random.Next(3); f > 0; f--)
        {
            draft.Flag(random.Next(2) == 0 ? AuditFlags.ServedModelMismatch : AuditFlags.ParameterChangedPrefix + Text());
        }

        draft.Kind = random.Next(3) switch { 0 => ReceiptKind.Chat, 1 => ReceiptKind.Embeddings, _ => ReceiptKind.CountTokens };
        ReceiptMetering? metering = random.Next(3) == 0 ? null : new ReceiptMetering(
            random.Next(), random.Next(3) == 0 ? 9_007_199_254_740_993L + random.Next(1000) : random.Next(), MaybeUsage(),
            random.Next(4) == 0 ? null : random.Next(3) == 0 ? long.MaxValue - random.Next(1000) : random.Next(),
            random.Next(3) == 0 ? null : new ModelPrice
            {
                InputPerMillion = random.Next(), OutputPerMillion = random.NextInt64(), CachedInputPerMillion = 0, CacheWritePerMillion = 1,
                ReasoningPerMillion = 2, PerRequest = random.Next(3) == 0 ? ModelPrice.MaxMicros : random.Next(10),
            });
        var now = DateTimeOffset.UnixEpoch.AddMilliseconds(random.NextInt64(0, 253_402_000_000_000)).ToOffset(TimeSpan.FromHours(random.Next(-12, 13)));
        (string, long)? log = random.Next(3) == 0 ? null : (Text(), random.Next(0, 100_000));
        string outcome = random.Next(5) switch
        {
            0 => ReceiptOutcome.Complete, 1 => ReceiptOutcome.Partial, 2 => ReceiptOutcome.Cancelled, 3 => ReceiptOutcome.Failed, _ => ReceiptOutcome.Refused,
        };
        return (draft, random.Next(2) == 0 ? draft.ReportedUsage : MaybeUsage(), metering, outcome, random.Next(100, 600), now, log);
    }

    /// <summary>The receipt as the first version built it: Utf8JsonWriter in declaration order (canonicalized by
    /// the caller). Kept here as the reference of the wire format.</summary>
    private static byte[] LegacyReceiptJson(ReceiptDraft d, Usage? reported, ReceiptMetering? metering, string outcome, int status, DateTimeOffset now, (string Origin, long Delay)? log)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("v", ReceiptService.Version);
            w.WriteString("id", d.Id);
            w.WriteString("request_id", d.RequestId);
            w.WriteString("time", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WriteString("key", d.Pseudonym);
            w.WriteString("surface", d.Surface);
            w.WriteString("kind", d.Kind);
            w.WriteString("outcome", outcome);
            w.WriteNumber("status", status);
            w.WriteString("path", d.Path);
            w.WriteNumber("attempts", d.Attempts);
            w.WriteStartObject("request");
            w.WriteString("sha256", Convert.ToHexStringLower(d.RequestSha256));
            w.WriteNumber("bytes", d.RequestBytes);
            w.WriteEndObject();
            if (d.ForwardedSha256 is { } forwarded)
            {
                w.WriteStartObject("forwarded");
                w.WriteString("sha256", Convert.ToHexStringLower(forwarded));
                w.WriteNumber("bytes", d.ForwardedBytes);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("forwarded");
            }

            w.WriteStartArray("transformations");
            foreach (var t in d.Transformations)
            {
                w.WriteStartObject();
                w.WriteString("kind", t.Kind);
                w.WriteString("target", t.Target);
                w.WriteString("detail", t.Detail);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (d.Channel is { } channel)
            {
                w.WriteStartObject("channel");
                w.WriteString("id", channel.Id);
                w.WriteString("provider", channel.Provider);
                w.WriteString("region", channel.Region);
                w.WriteStartObject("data_policy");
                w.WriteString("region", channel.DataPolicy.Region);
                w.WriteString("retention", channel.DataPolicy.Retention.ToString().ToLowerInvariant());
                w.WriteString("training", channel.DataPolicy.Training.ToString().ToLowerInvariant());
                w.WriteEndObject();
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("channel");
            }

            w.WriteStartObject("model");
            Str(w, "requested", d.RequestedModel);
            Str(w, "upstream", d.UpstreamModel);
            Str(w, "reported", d.ReportedModel);
            Str(w, "expected", d.ExpectedModel);
            w.WriteEndObject();
            w.WriteString("metering", MeteringKind.Of(d, metered: metering is not null));
            w.WriteStartObject("upstream");
            Str(w, "response_id", d.UpstreamResponseId);
            Str(w, "system_fingerprint", d.SystemFingerprint);
            w.WriteEndObject();
            w.WriteStartObject("response");
            Str(w, "upstream_sha256", d.UpstreamSha256() is { } up ? Convert.ToHexStringLower(up) : null);
            w.WriteNumber("upstream_bytes", d.UpstreamBytes);
            w.WriteString("delivered_sha256", Convert.ToHexStringLower(d.DeliveredSha256()));
            w.WriteNumber("delivered_bytes", d.DeliveredBytes);
            w.WriteEndObject();
            w.WriteStartObject("usage");
            WriteUsage(w, "reported", reported);
            if (metering is { } m)
            {
                w.WriteStartObject("counted");
                w.WriteNumber("input_tokens", m.CountedInput);
                w.WriteNumber("output_tokens", m.CountedOutput);
                w.WriteEndObject();
                WriteUsage(w, "billed", m.Billed);
            }
            else
            {
                w.WriteNull("counted");
                w.WriteNull("billed");
            }

            w.WriteEndObject();
            if (metering is { } mc)
            {
                w.WriteStartObject("charge");
                if (mc.ChargeMicros is { } micros)
                {
                    w.WriteNumber("micros", micros);
                }
                else
                {
                    w.WriteNull("micros");
                }

                if (mc.Price is { } price)
                {
                    w.WriteStartObject("price");
                    w.WriteNumber("input_per_million_micros", price.InputPerMillion);
                    w.WriteNumber("output_per_million_micros", price.OutputPerMillion);
                    w.WriteNumber("cached_input_per_million_micros", price.CachedInputPerMillion);
                    w.WriteNumber("per_request_micros", price.PerRequest);
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteNull("price");
                }

                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("charge");
            }

            w.WriteStartArray("flags");
            foreach (string flag in d.Flags)
            {
                w.WriteStringValue(flag);
            }

            w.WriteEndArray();
            if (log is { } l)
            {
                w.WriteStartObject("log");
                w.WriteString("origin", l.Origin);
                w.WriteNumber("max_merge_delay_s", l.Delay);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("log");
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteUsage(Utf8JsonWriter w, string name, Usage? usage)
    {
        if (usage is null)
        {
            w.WriteNull(name);
            return;
        }

        w.WriteStartObject(name);
        Int(w, "input_tokens", usage.InputTokens);
        Int(w, "output_tokens", usage.OutputTokens);
        Int(w, "cached_input_tokens", usage.CachedInputTokens);
        Int(w, "cache_write_input_tokens", usage.CacheWriteInputTokens);
        Int(w, "reasoning_tokens", usage.ReasoningTokens);
        Int(w, "total_tokens", usage.TotalTokens);
        w.WriteEndObject();
    }

    private static void Int(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void Str(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
