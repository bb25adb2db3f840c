using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;
using Candor.FunctionalTests.Receipts;

namespace Candor.FunctionalTests.Media;

/// <summary>The media endpoints through the real server and the emulator: images (JSON and a multipart edit with a file),
/// speech streamed through, a transcription of an uploaded WAV, rerank and moderations — each billed in its own unit for
/// a stored key (the balance moves by exactly the charge, which the receipt states and which verifies), redaction of
/// their texts, an upstream without the endpoint, malformed forms, and a speech stream cut after it began.</summary>
public sealed class MediaEndpointTests(MediaHost host) : IClassFixture<MediaHost>
{
    private const string Email = "alice@example.com";

    [Fact]
    public async Task ImageGeneration_StoredKey_ChargesPerImageBySize_AndTheReceiptVerifies()
    {
        var ct = Json.Timeout(60);
        var (account, key) = await host.CreateBilledKeyAsync(10_000_000, ct);
        using var client = host.CreateClient(key);
        string request = """{"model":"m-image","prompt":"a lighthouse at dusk","n":2,"size":"1024x1792","response_format":"b64_json"}""";
        using var response = await client.PostAsync("/v1/images/generations", Json.Body(request), ct);
        byte[] delivered = await response.Content.ReadAsByteArrayAsync(ct);
        Assert.True(200 == (int)response.StatusCode, Encoding.UTF8.GetString(delivered));
        using var body = JsonDocument.Parse(delivered);
        Assert.Equal(2, body.RootElement.GetProperty("data").GetArrayLength());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("data")[0].GetProperty("b64_json").GetString()));

        // dall-e-3 at 1024x1792 is 0.08 USD an image: 2 x 80,000 micros.
        Assert.Equal("160000", response.Headers.GetValues("x-candor-charge-micros").Single());
        Assert.Equal(10_000_000 - 160_000, await host.Store.GetBalanceAsync(account.Id, ct));
        var sent = host.Emulator.Journal.Last!;
        Assert.Equal("/v1/images/generations", sent.Path);
        Assert.Contains("\"model\":\"dall-e-3\"", sent.BodyText, StringComparison.Ordinal);

        var receipt = await VerifiedReceiptAsync(client, response, ct);
        Assert.Equal("image_generation", receipt.GetProperty("kind").GetString());
        Assert.Equal("complete", receipt.GetProperty("outcome").GetString());
        Assert.Equal("metered", receipt.GetProperty("metering").GetString());
        Assert.Equal(160_000, receipt.GetProperty("charge").GetProperty("micros").GetInt64());
        var units = receipt.GetProperty("charge").GetProperty("units");
        Assert.Equal("image", units.GetProperty("unit").GetString());
        Assert.Equal(2, units.GetProperty("billed").GetInt64());
        Assert.Equal(80_000, units.GetProperty("price_micros").GetInt64());
        Assert.Equal(Sha256(Encoding.UTF8.GetBytes(request)), receipt.GetProperty("request").GetProperty("sha256").GetString());
        Assert.Equal(Sha256(sent.Body.ToArray()), receipt.GetProperty("forwarded").GetProperty("sha256").GetString());
        Assert.Equal(Sha256(delivered), receipt.GetProperty("response").GetProperty("delivered_sha256").GetString());
    }

    [Fact]
    public async Task ImageEdit_MultipartWithFile_ForwardsTheFormWithTheUpstreamModel_AndCharges()
    {
        var ct = Json.Timeout(60);
        var (account, key) = await host.CreateBilledKeyAsync(1_000_000, ct);
        using var client = host.CreateClient(key);
        byte[] image = [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 1, 2, 3, 0, 255, 13, 10, 45, 45];
        using var form = new MultipartFormDataContent
        {
            { new StringContent("m-edit"), "model" },
            { new StringContent($"add a hat; mail {Email}"), "prompt" },
            { new StringContent("low"), "quality" },
            { new StringContent("1024x1024"), "size" },
        };
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", "cat.png");
        using var response = await client.PostAsync("/v1/images/edits", form, ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(200 == (int)response.StatusCode, text);

        // gpt-image-1, low quality, 1024x1024: 0.011 USD.
        Assert.Equal("11000", response.Headers.GetValues("x-candor-charge-micros").Single());
        Assert.Equal(1_000_000 - 11_000, await host.Store.GetBalanceAsync(account.Id, ct));

        // The upstream got a form: the upstream model, the file byte for byte, the prompt redacted.
        var sent = host.Emulator.Journal.Last!;
        Assert.Equal("/v1/images/edits", sent.Path);
        string forwarded = Encoding.Latin1.GetString(sent.Body.Span);
        Assert.Contains("gpt-image-1", forwarded, StringComparison.Ordinal);
        Assert.DoesNotContain("m-edit", forwarded, StringComparison.Ordinal);
        Assert.DoesNotContain(Email, forwarded, StringComparison.Ordinal);
        Assert.Contains("filename=\"cat.png\"", forwarded, StringComparison.Ordinal);
        Assert.True(sent.Body.Span.IndexOf(image) >= 0, "the image's bytes were not forwarded unchanged");
        Assert.Equal("email=1", response.Headers.GetValues("x-candor-redactions").Single());

        var receipt = await VerifiedReceiptAsync(client, response, ct);
        Assert.Equal("image_edit", receipt.GetProperty("kind").GetString());
        Assert.Equal(Sha256(sent.Body.ToArray()), receipt.GetProperty("forwarded").GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Speech_StreamsTheAudioThrough_ChargedPerCharacter()
    {
        var ct = Json.Timeout(60);
        var (account, key) = await host.CreateBilledKeyAsync(1_000_000, ct);
        using var client = host.CreateClient(key);
        string input = new('a', 100);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech")
        {
            Content = Json.Body($$"""{"model":"m-tts","input":"{{input}}","voice":"alloy","response_format":"wav"}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        byte[] audio = await response.Content.ReadAsByteArrayAsync(ct);

        // The emulator answers 1,000 bytes a character, in 4 KiB chunks: all of it arrives, as it was sent.
        Assert.Equal(100_000, audio.Length);
        Assert.Equal("RIFF", Encoding.ASCII.GetString(audio, 0, 4));

        // tts-1: 15 USD per million characters; 100 characters = 1,500 micros. A streamed answer carries no charge header.
        Assert.Equal(1_000_000 - 1_500, await host.Store.GetBalanceAsync(account.Id, ct));
        var receipt = await VerifiedReceiptAsync(client, response, ct);
        Assert.Equal("speech", receipt.GetProperty("kind").GetString());
        Assert.Equal(1_500, receipt.GetProperty("charge").GetProperty("micros").GetInt64());
        Assert.Equal("character", receipt.GetProperty("charge").GetProperty("units").GetProperty("unit").GetString());
        Assert.Equal(Sha256(audio), receipt.GetProperty("response").GetProperty("delivered_sha256").GetString());
        Assert.Equal(Sha256(audio), receipt.GetProperty("response").GetProperty("upstream_sha256").GetString());
        Assert.Equal(100_000, receipt.GetProperty("response").GetProperty("delivered_bytes").GetInt64());
    }

    [Fact]
    public async Task Speech_CutByTheUpstreamAfterItBegan_IsAbortedAndReceiptedPartial()
    {
        var ct = Json.Timeout(60);
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech")
        {
            Content = Json.Body($$"""{"model":"m-tts-cut","input":"{{new string('b', 100)}}","voice":"alloy"}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(200, (int)response.StatusCode);
        string receiptId = response.Headers.GetValues("x-candor-receipt").Single();

        // The client never gets a body that looks complete: reading it fails.
        await Assert.ThrowsAnyAsync<Exception>(async () => await response.Content.ReadAsByteArrayAsync(ct));

        var receipt = await WaitForReceiptAsync(client, receiptId, ct);
        Assert.Equal("partial", receipt.GetProperty("outcome").GetString());
        Assert.True(receipt.GetProperty("response").GetProperty("delivered_bytes").GetInt64() < 100_000);
    }

    [Fact]
    public async Task Transcription_WavUpload_ChargedForItsDuration()
    {
        var ct = Json.Timeout(60);
        var (account, key) = await host.CreateBilledKeyAsync(1_000_000, ct);
        using var client = host.CreateClient(key);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("m-whisper"), "model" },
            { new StringContent("verbose_json"), "response_format" },
        };
        var file = new ByteArrayContent(Wav(seconds: 2.5));
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(file, "file", "speech.wav");
        using var response = await client.PostAsync("/v1/audio/transcriptions", form, ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(200 == (int)response.StatusCode, text);
        using var body = JsonDocument.Parse(text);
        Assert.False(string.IsNullOrWhiteSpace(body.RootElement.GetProperty("text").GetString()));
        Assert.Equal(2.5, body.RootElement.GetProperty("duration").GetDouble());

        // whisper-1: 0.0001 USD a second (0.006 a minute); 2.5 s = 250 micros.
        Assert.Equal("250", response.Headers.GetValues("x-candor-charge-micros").Single());
        Assert.Equal(1_000_000 - 250, await host.Store.GetBalanceAsync(account.Id, ct));
        var receipt = await VerifiedReceiptAsync(client, response, ct);
        Assert.Equal("transcription", receipt.GetProperty("kind").GetString());
        Assert.Equal(2_500, receipt.GetProperty("charge").GetProperty("units").GetProperty("billed").GetInt64());
    }

    [Fact]
    public async Task Transcription_TextFormat_IsRelayedAsText()
    {
        var ct = Json.Timeout(60);
        using var client = host.CreateClient();
        using var form = new MultipartFormDataContent
        {
            { new StringContent("m-whisper"), "model" },
            { new StringContent("text"), "response_format" },
            { new ByteArrayContent(Wav(seconds: 1)), "file", "a.wav" },
        };
        using var response = await client.PostAsync("/v1/audio/transcriptions", form, ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(200 == (int)response.StatusCode, text);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(".\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rerank_QueryAndDocumentsRedacted_RankedAndChargedPerSearchUnit()
    {
        var ct = Json.Timeout(60);
        var (account, key) = await host.CreateBilledKeyAsync(1_000_000, ct);
        using var client = host.CreateClient(key);
        string request = $$"""{"model":"m-rerank","query":"red apples from {{Email}}","documents":["green pears","red apples are sweet",{"text":"write to {{Email}}"}],"top_n":2}""";
        using var response = await client.PostAsync("/v1/rerank", Json.Body(request), ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(200 == (int)response.StatusCode, text);
        using var body = JsonDocument.Parse(text);
        var results = body.RootElement.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        Assert.True(results[0].GetProperty("relevance_score").GetDouble() >= results[1].GetProperty("relevance_score").GetDouble());

        var sent = host.Emulator.Journal.Last!;
        Assert.Equal("/v1/rerank", sent.Path);
        Assert.DoesNotContain(Email, sent.BodyText, StringComparison.Ordinal);
        Assert.Contains("⟦EMAIL_1⟧", Json.Strings(sent.BodyText), StringComparison.Ordinal);
        Assert.Equal("email=2", response.Headers.GetValues("x-candor-redactions").Single());

        // rerank-v3.5: 0.002 USD a search unit; the emulator bills one.
        Assert.Equal("2000", response.Headers.GetValues("x-candor-charge-micros").Single());
        Assert.Equal(1_000_000 - 2_000, await host.Store.GetBalanceAsync(account.Id, ct));
        var receipt = await VerifiedReceiptAsync(client, response, ct);
        Assert.Equal("rerank", receipt.GetProperty("kind").GetString());
        Assert.DoesNotContain(Email, receipt.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rerank_BlockedEntity_IsRefusedBeforeAnythingLeaves()
    {
        var ct = Json.Timeout(60);
        using var client = host.CreateClient();
        long before = host.Emulator.Journal.Count;
        using var response = await client.PostAsync("/v1/rerank",
            Json.Body("""{"model":"m-rerank","query":"id 11010519491231002X","documents":["a"]}"""), ct);
        var error = await Json.ReadAsync(response, ct);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("privacy_blocked", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(before, host.Emulator.Journal.Count);
    }

    [Fact]
    public async Task Moderation_FreeByDefault_MeteredAtZero()
    {
        var ct = Json.Timeout(60);
        var (account, key) = await host.CreateBilledKeyAsync(1_000, ct);
        using var client = host.CreateClient(key);
        using var response = await client.PostAsync("/v1/moderations",
            Json.Body("""{"model":"m-moderation","input":["I will kill the process","hello"]}"""), ct);
        var body = await Json.ReadAsync(response, ct);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(body.GetProperty("results")[0].GetProperty("flagged").GetBoolean());
        Assert.False(body.GetProperty("results")[1].GetProperty("flagged").GetBoolean());
        Assert.Equal("0", response.Headers.GetValues("x-candor-charge-micros").Single());
        Assert.Equal(1_000, await host.Store.GetBalanceAsync(account.Id, ct));
        var receipt = await VerifiedReceiptAsync(client, response, ct);
        Assert.Equal("moderation", receipt.GetProperty("kind").GetString());
        Assert.Equal("metered", receipt.GetProperty("metering").GetString());
        Assert.Equal(0, receipt.GetProperty("charge").GetProperty("micros").GetInt64());
    }

    [Fact]
    public async Task UpstreamWithoutTheEndpoint_IsAClearErrorInOpenAIsEnvelope()
    {
        var ct = Json.Timeout(60);
        using var client = host.CreateClient();
        long before = host.Emulator.Journal.Count;
        using var response = await client.PostAsync("/v1/images/generations", Json.Body("""{"model":"m-image-ds","prompt":"x"}"""), ct);
        var body = await Json.ReadAsync(response, ct);
        Assert.Equal(400, (int)response.StatusCode);
        var error = body.GetProperty("error");
        Assert.Contains("does not support image generation", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(before, host.Emulator.Journal.Count);
        var receipt = await VerifiedReceiptAsync(client, response, ct);
        Assert.Equal("failed", receipt.GetProperty("outcome").GetString());
    }

    [Theory]
    [InlineData("multipart/form-data; boundary=xyz", "--abc\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nm-whisper\r\n--abc--\r\n")]
    [InlineData("multipart/form-data; boundary=abc", "--abc\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nm-whisper\r\n")]
    [InlineData("multipart/form-data; boundary=abc", "--abc\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nm-whisper\r\n--abc--\r\n")]
    [InlineData("multipart/form-data", "--abc--\r\n")]
    [InlineData("application/json", """{"model":"m-whisper"}""")]
    public async Task BadMultipart_IsAClear400(string contentType, string body)
    {
        var ct = Json.Timeout(60);
        using var client = host.CreateClient();
        long before = host.Emulator.Journal.Count;
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await client.PostAsync("/v1/audio/transcriptions", content, ct);
        var error = await Json.ReadAsync(response, ct);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("invalid_request_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("error").GetProperty("message").GetString()));
        Assert.Equal(before, host.Emulator.Journal.Count);
    }

    [Fact]
    public async Task ImageModelWithoutAPerImagePrice_IsRefusedForAStoredKey()
    {
        var ct = Json.Timeout(60);
        var (account, key) = await host.CreateBilledKeyAsync(1_000_000, ct);
        using var client = host.CreateClient(key);
        using var response = await client.PostAsync("/v1/images/generations", Json.Body("""{"model":"m-chat","prompt":"x"}"""), ct);
        var error = await Json.ReadAsync(response, ct);
        Assert.Equal(403, (int)response.StatusCode);
        Assert.Contains("per-image", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1_000_000, await host.Store.GetBalanceAsync(account.Id, ct));
    }

    /// <summary>A PCM WAV (16 kHz, mono, 16-bit) of <paramref name="seconds"/> of silence.</summary>
    private static byte[] Wav(double seconds)
    {
        int data = (int)(seconds * 32000);
        byte[] wav = new byte[44 + data];
        "RIFF"u8.CopyTo(wav);
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(4), 36 + data);
        "WAVEfmt "u8.CopyTo(wav.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(20), 1);
        BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(22), 1);
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(24), 16000);
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(28), 32000);
        BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(32), 2);
        BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(34), 16);
        "data"u8.CopyTo(wav.AsSpan(36));
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(40), data);
        return wav;
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The response's receipt, checked with the independent verifier against the server's published key.</summary>
    private static async Task<JsonElement> VerifiedReceiptAsync(HttpClient client, HttpResponseMessage response, CancellationToken ct)
    {
        string id = response.Headers.GetValues("x-candor-receipt").Single();
        using var fetched = await client.GetAsync("/v1/receipts/" + id, ct);
        byte[] raw = await fetched.Content.ReadAsByteArrayAsync(ct);
        Assert.True(200 == (int)fetched.StatusCode, Encoding.UTF8.GetString(raw));
        var wellKnown = await Json.ReadAsync(await client.GetAsync("/.well-known/candor", ct), ct);
        Assert.True(IndependentReceiptVerifier.Verify(raw, wellKnown.GetProperty("receipt_keys")[0].GetProperty("verifier_key").GetString()!));
        using var doc = JsonDocument.Parse(raw);
        return doc.RootElement.GetProperty("receipt").Clone();
    }

    private static async Task<JsonElement> WaitForReceiptAsync(HttpClient client, string id, CancellationToken ct)
    {
        while (true)
        {
            using var fetched = await client.GetAsync("/v1/receipts/" + id, ct);
            if (fetched.IsSuccessStatusCode)
            {
                using var doc = JsonDocument.Parse(await fetched.Content.ReadAsByteArrayAsync(ct));
                return doc.RootElement.GetProperty("receipt").Clone();
            }

            await Task.Delay(50, ct);
        }
    }
}
