using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Candor.Emulator.Faults;
using Candor.Emulator.Generation;
using Candor.Emulator.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Candor.Emulator.Vendors;

/// <summary>OpenAI's media endpoints, deterministic: images (a tiny fixed PNG, base64 or a fake URL, one per <c>n</c>),
/// speech (a WAV or fake MP3 whose length grows with the input, written in 4 KiB chunks), transcriptions (words derived
/// from the file's bytes; <c>duration</c> read from a WAV header, else bytes / 16000), rerank (Cohere's shape: scores from
/// word overlap with the query) and moderations (flagged when a text contains "kill"). The pre-faults (status, latency,
/// hang, wrong content type) apply to all; speech also honours <c>disconnect_after</c> (chunks) and <c>chunk_ms</c>.</summary>
internal static class MediaHandler
{
    /// <summary>A valid 1×1 transparent PNG.</summary>
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private static readonly string[] Categories =
    [
        "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent", "self-harm",
        "self-harm/intent", "self-harm/instructions", "sexual", "sexual/minors", "violence", "violence/graphic",
    ];

    public static async Task HandleAsync(EmulatorCall call, string endpoint)
    {
        if (!await OpenAiHandler.PrecheckAsync(call, null).ConfigureAwait(false))
        {
            return;
        }

        var form = endpoint is "images/edits" or "audio/transcriptions";
        Dictionary<string, string> fields = [];
        byte[]? file = null;
        JsonDocument? document = null;
        if (form)
        {
            var parsed = await ReadFormAsync(call).ConfigureAwait(false);
            if (parsed is null)
            {
                await Responder.WriteErrorAsync(call, OpenAiErrors.Instance, 400, "Invalid multipart/form-data body.").ConfigureAwait(false);
                return;
            }

            (fields, file) = parsed.Value;
        }
        else if (!Json.TryParse(call.Body, out document))
        {
            await Responder.WriteErrorAsync(call, OpenAiErrors.Instance, 400, "We could not parse the JSON body of your request.").ConfigureAwait(false);
            return;
        }

        using (document)
        {
            var root = document?.RootElement ?? default;
            string? Field(string name) => form ? fields.GetValueOrDefault(name) : root.ValueKind == JsonValueKind.Object ? Json.String(root, name) : null;
            var spec = call.Spec.Merge(root.ValueKind == JsonValueKind.Object ? Directives.Find(root) : FaultSpec.Empty);
            if (await Responder.ApplyPreFaultsAsync(call, spec, OpenAiErrors.Instance, () => Field("prompt") ?? Field("input") ?? Field("query") ?? "").ConfigureAwait(false))
            {
                return;
            }

            var model = Field("model");
            if (model is null)
            {
                await Responder.WriteErrorAsync(call, OpenAiErrors.Instance, 400, "you must provide a model parameter").ConfigureAwait(false);
                return;
            }

            if (await OpenAiHandler.MissingModelAsync(call, model, null).ConfigureAwait(false))
            {
                return;
            }

            switch (endpoint)
            {
                case "images/generations" or "images/edits":
                    var n = int.TryParse(Field("n"), CultureInfo.InvariantCulture, out var fn) ? fn : root.ValueKind == JsonValueKind.Object ? Json.Int(root, "n") ?? 1 : 1;
                    await Responder.WriteJsonAsync(call, 200, Images(n, Field("response_format"), Field("prompt") ?? ""), spec).ConfigureAwait(false);
                    return;
                case "audio/speech":
                    await SpeechAsync(call, spec, Field("input") ?? "", Field("response_format")).ConfigureAwait(false);
                    return;
                case "audio/transcriptions":
                    await TranscriptionAsync(call, spec, file ?? [], Field("response_format")).ConfigureAwait(false);
                    return;
                case "rerank":
                    await Responder.WriteJsonAsync(call, 200, Rerank(root, model), spec).ConfigureAwait(false);
                    return;
                default:
                    await Responder.WriteJsonAsync(call, 200, Moderation(root, model), spec).ConfigureAwait(false);
                    return;
            }
        }
    }

    private static byte[] Images(int n, string? format, string prompt) => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("created", 1700000000);
        w.WriteStartArray("data");
        for (var i = 0; i < n; i++)
        {
            w.WriteStartObject();
            if (format == "url")
            {
                w.WriteString("url", "https://images.emulator.invalid/" + Ids.Hex(Hash.Of(prompt + i), 16) + ".png");
            }
            else
            {
                w.WriteBase64String("b64_json", Png);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>Audio of 1,000 bytes per input character (at least 1 KiB, at most 1 MiB), written in 4 KiB chunks.</summary>
    private static async Task SpeechAsync(EmulatorCall call, FaultSpec spec, string input, string? format)
    {
        var wav = format is "wav" or "pcm";
        var length = Math.Clamp(input.Length * 1000, 1024, 1 << 20);
        var audio = new byte[length];
        new Random((int)(Hash.Of(input) & 0x7FFFFFFF)).NextBytes(audio);
        if (wav)
        {
            WriteWavHeader(audio, length - 44, 16000);
        }
        else
        {
            "ID3"u8.CopyTo(audio);
        }

        var response = call.Http.Response;
        response.StatusCode = 200;
        response.ContentType = wav ? "audio/wav" : "audio/mpeg";
        await response.StartAsync(call.Aborted).ConfigureAwait(false);
        var chunks = 0;
        for (var at = 0; at < length; at += 4096, chunks++)
        {
            if (spec.DisconnectAfter is { } limit && chunks >= limit)
            {
                await Responder.AbortAsync(call).ConfigureAwait(false);
                return;
            }

            if (spec.ChunkMs is > 0 && chunks > 0)
            {
                await Task.Delay(spec.ChunkMs.Value, call.Aborted).ConfigureAwait(false);
            }

            await response.Body.WriteAsync(audio.AsMemory(at, Math.Min(4096, length - at)), call.Aborted).ConfigureAwait(false);
            await response.Body.FlushAsync(call.Aborted).ConfigureAwait(false);
        }
    }

    private static async Task TranscriptionAsync(EmulatorCall call, FaultSpec spec, byte[] file, string? format)
    {
        var h = new Hash();
        h.Add(file);
        var words = new List<string>();
        Words.Generate(new SplitMix(h.Value), 12, words);
        var text = string.Concat(words);
        var seconds = WavSeconds(file) ?? Math.Round(file.Length / 16000.0, 2);
        switch (format)
        {
            case "text" or "srt" or "vtt":
                var body = Encoding.UTF8.GetBytes(text + "\n");
                var response = call.Http.Response;
                response.StatusCode = 200;
                response.ContentType = format == "vtt" ? "text/vtt" : "text/plain; charset=utf-8";
                await response.Body.WriteAsync(body, call.Aborted).ConfigureAwait(false);
                return;
            case "verbose_json":
                await Responder.WriteJsonAsync(call, 200, Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("task", "transcribe");
                    w.WriteString("language", "english");
                    w.WriteNumber("duration", seconds);
                    w.WriteString("text", text);
                    w.WriteStartArray("segments");
                    w.WriteEndArray();
                    w.WriteEndObject();
                }), spec).ConfigureAwait(false);
                return;
            default:
                await Responder.WriteJsonAsync(call, 200, Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("text", text);
                    w.WriteStartObject("usage");
                    w.WriteString("type", "duration");
                    w.WriteNumber("seconds", Math.Ceiling(seconds));
                    w.WriteEndObject();
                    w.WriteEndObject();
                }), spec).ConfigureAwait(false);
                return;
        }
    }

    private static byte[] Rerank(JsonElement root, string model)
    {
        var query = Json.String(root, "query") ?? "";
        var queryWords = new HashSet<string>(Words.Tokenize(query.ToLowerInvariant()).Select(t => t.Trim()), StringComparer.Ordinal);
        var documents = Json.Items(Json.Get(root, "documents"))
            .Select(d => d.ValueKind == JsonValueKind.String ? d.GetString()! : Json.String(d, "text") ?? "")
            .ToList();
        var scored = documents.Select((text, index) =>
        {
            var tokens = Words.Tokenize(text.ToLowerInvariant()).Select(t => t.Trim()).Where(t => t.Length > 0).ToList();
            var overlap = tokens.Count == 0 ? 0 : tokens.Count(queryWords.Contains) / (double)tokens.Count;
            var jitter = (Hash.Of(query + "\n" + text) % 1000) / 100000.0;
            return (index, text, score: Math.Round(Math.Min(1, (0.9 * overlap) + jitter), 6));
        }).OrderByDescending(s => s.score).ThenBy(s => s.index).ToList();
        var topN = Json.Int(root, "top_n") ?? scored.Count;
        var returnDocuments = Json.Bool(root, "return_documents") == true;
        return Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", "rerank-" + Ids.Hex(Hash.Of(query), 16));
            w.WriteString("model", model);
            w.WriteStartArray("results");
            foreach (var (index, text, score) in scored.Take(Math.Max(0, topN)))
            {
                w.WriteStartObject();
                w.WriteNumber("index", index);
                w.WriteNumber("relevance_score", score);
                if (returnDocuments)
                {
                    w.WriteStartObject("document");
                    w.WriteString("text", text);
                    w.WriteEndObject();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartObject("meta");
            w.WriteStartObject("billed_units");
            w.WriteNumber("search_units", Math.Max(1, (documents.Count + 99) / 100));
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("usage");
            w.WriteNumber("total_tokens", Words.Count(query) + documents.Sum(Words.Count));
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static byte[] Moderation(JsonElement root, string model)
    {
        var input = Json.Get(root, "input");
        var texts = input.ValueKind == JsonValueKind.String ? [input.GetString()!]
            : Json.Items(input).Select(i => i.ValueKind == JsonValueKind.String ? i.GetString()! : Json.String(i, "text") ?? "").ToList();
        return Json.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", "modr-" + Ids.Hex(Hash.Of(string.Join('\n', texts)), 16));
            w.WriteString("model", model);
            w.WriteStartArray("results");
            foreach (var text in texts)
            {
                var violent = text.Contains("kill", StringComparison.OrdinalIgnoreCase);
                w.WriteStartObject();
                w.WriteBoolean("flagged", violent);
                w.WriteStartObject("categories");
                foreach (var category in Categories)
                {
                    w.WriteBoolean(category, violent && category == "violence");
                }

                w.WriteEndObject();
                w.WriteStartObject("category_scores");
                foreach (var category in Categories)
                {
                    w.WriteNumber(category, violent && category == "violence" ? 0.93 : (Hash.Of(category + text) % 1000) / 1000000.0);
                }

                w.WriteEndObject();
                w.WriteStartObject("category_applied_input_types");
                foreach (var category in Categories)
                {
                    w.WriteStartArray(category);
                    w.WriteStringValue("text");
                    w.WriteEndArray();
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task<(Dictionary<string, string> Fields, byte[]? File)?> ReadFormAsync(EmulatorCall call)
    {
        if (!MediaTypeHeaderValue.TryParse(call.Http.Request.ContentType, out var type)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
        {
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        byte[]? file = null;
        try
        {
            var reader = new MultipartReader(boundary, new MemoryStream(call.Body));
            while (await reader.ReadNextSectionAsync(call.Aborted).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    return null;
                }

                using var data = new MemoryStream();
                await section.Body.CopyToAsync(data, call.Aborted).ConfigureAwait(false);
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition.FileName.HasValue || disposition.FileNameStar.HasValue)
                {
                    file ??= data.ToArray();
                }
                else
                {
                    fields[name] = Encoding.UTF8.GetString(data.ToArray());
                }
            }
        }
        catch (IOException)
        {
            return null;
        }

        return (fields, file);
    }

    private static void WriteWavHeader(byte[] audio, int dataBytes, int sampleRate)
    {
        "RIFF"u8.CopyTo(audio);
        BinaryPrimitives.WriteInt32LittleEndian(audio.AsSpan(4), 36 + dataBytes);
        "WAVEfmt "u8.CopyTo(audio.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(audio.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(audio.AsSpan(20), 1);
        BinaryPrimitives.WriteInt16LittleEndian(audio.AsSpan(22), 1);
        BinaryPrimitives.WriteInt32LittleEndian(audio.AsSpan(24), sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(audio.AsSpan(28), sampleRate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(audio.AsSpan(32), 2);
        BinaryPrimitives.WriteInt16LittleEndian(audio.AsSpan(34), 16);
        "data"u8.CopyTo(audio.AsSpan(36));
        BinaryPrimitives.WriteInt32LittleEndian(audio.AsSpan(40), dataBytes);
    }

    /// <summary>Seconds of a PCM WAV (data chunk over byte rate), else null.</summary>
    private static double? WavSeconds(byte[] file)
    {
        if (file.Length < 44 || !file.AsSpan(0, 4).SequenceEqual("RIFF"u8) || !file.AsSpan(8, 4).SequenceEqual("WAVE"u8))
        {
            return null;
        }

        var byteRate = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(28));
        return byteRate > 0 ? Math.Round((file.Length - 44) / (double)byteRate, 3) : null;
    }
}
