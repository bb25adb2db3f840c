using System.Net;
using System.Text.Json;

namespace Candor.Emulator.Tests;

public sealed class GeminiTests
{
    private static string Generate(string extra = "") =>
        $$"""{"systemInstruction":{"parts":[{"text":"Be brief."}]},"contents":[{"role":"user","parts":[{"text":"Tell me a story"}]}]{{extra}}}""";

    private const string Path = "v1beta/models/gemini-2.5-flash:";

    [Fact]
    public async Task GenerateContent_HasVendorShape()
    {
        await using var emu = await Emu.StartAsync();
        var root = await emu.PostJsonAsync(Path + "generateContent", Generate());
        var candidate = Assert.Single(root.GetProperty("candidates").EnumerateArray());
        Assert.Equal("STOP", candidate.GetProperty("finishReason").GetString());
        Assert.Equal(0, candidate.GetProperty("index").GetInt32());
        Assert.Equal("model", candidate.GetProperty("content").GetProperty("role").GetString());
        var text = candidate.GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString()!;
        var usage = root.GetProperty("usageMetadata");
        Assert.Equal(14, usage.GetProperty("promptTokenCount").GetInt32());
        Assert.Equal(text.Split(' ').Length, usage.GetProperty("candidatesTokenCount").GetInt32());
        Assert.Equal(14 + text.Split(' ').Length, usage.GetProperty("totalTokenCount").GetInt32());
        Assert.False(usage.TryGetProperty("thoughtsTokenCount", out _));
        Assert.Equal("gemini-2.5-flash", root.GetProperty("modelVersion").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("responseId").GetString()));
    }

    [Fact]
    public async Task StreamSse_AndJsonArray_CarryTheSameText()
    {
        await using var emu = await Emu.StartAsync();
        var whole = (await emu.PostJsonAsync(Path + "generateContent", Generate()))
            .GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString();

        var (sseResponse, sseBody) = await emu.PostAsync(Path + "streamGenerateContent?alt=sse", Generate());
        Assert.Equal("text/event-stream", sseResponse.Content.Headers.ContentType?.MediaType);
        var events = Sse.Parse(sseBody).Select(e => e.Json).ToList();
        Assert.Equal(whole, string.Concat(events.Select(e => e.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString())));
        Assert.Equal("STOP", events[^1].GetProperty("candidates")[0].GetProperty("finishReason").GetString());
        Assert.True(events[^1].GetProperty("usageMetadata").TryGetProperty("candidatesTokenCount", out _));

        var (arrayResponse, arrayBody) = await emu.PostAsync(Path + "streamGenerateContent", Generate());
        Assert.Equal("application/json", arrayResponse.Content.Headers.ContentType?.MediaType);
        var array = JsonDocument.Parse(arrayBody).RootElement;
        Assert.Equal(JsonValueKind.Array, array.ValueKind);
        Assert.Equal(events.Count, array.GetArrayLength());
    }

    [Fact]
    public async Task MaxOutputTokensCandidateCountAndThoughts_AreHonoured()
    {
        await using var emu = await Emu.StartAsync();
        var capped = await emu.PostJsonAsync(Path + "generateContent", Generate(""","generationConfig":{"maxOutputTokens":4,"candidateCount":2}"""));
        var candidates = capped.GetProperty("candidates").EnumerateArray().ToList();
        Assert.Equal(2, candidates.Count);
        Assert.All(candidates, c => Assert.Equal("MAX_TOKENS", c.GetProperty("finishReason").GetString()));
        Assert.Equal(8, capped.GetProperty("usageMetadata").GetProperty("candidatesTokenCount").GetInt32());

        var thinking = await emu.PostJsonAsync(Path + "generateContent",
            Generate(""","generationConfig":{"thinkingConfig":{"includeThoughts":true,"thinkingBudget":1024}}"""));
        var parts = thinking.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts");
        Assert.True(parts[0].GetProperty("thought").GetBoolean());
        Assert.False(parts[1].TryGetProperty("thought", out _));
        var usage = thinking.GetProperty("usageMetadata");
        Assert.Equal(parts[0].GetProperty("text").GetString()!.Split(' ').Length, usage.GetProperty("thoughtsTokenCount").GetInt32());
        Assert.Equal(usage.GetProperty("promptTokenCount").GetInt32() + usage.GetProperty("candidatesTokenCount").GetInt32() +
            usage.GetProperty("thoughtsTokenCount").GetInt32(), usage.GetProperty("totalTokenCount").GetInt32());
    }

    [Fact]
    public async Task FunctionCall_ArgsValidateAgainstUpperCaseSchema()
    {
        await using var emu = await Emu.StartAsync();
        const string Schema = """{"type":"OBJECT","properties":{"city":{"type":"STRING"},"days":{"type":"INTEGER","minimum":1,"maximum":3}},"required":["city"]}""";
        var root = await emu.PostJsonAsync(Path + "generateContent", $$"""
            {"contents":[{"role":"user","parts":[{"text":"weather?"}]}],
             "tools":[{"functionDeclarations":[{"name":"get_weather","parameters":{{Schema}}}]}]}
            """);
        var call = root.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("functionCall");
        Assert.Equal("get_weather", call.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(call.GetProperty("id").GetString()));
        SchemaCheck.Validate(JsonDocument.Parse(Schema).RootElement, call.GetProperty("args"));

        var answer = await emu.PostJsonAsync(Path + "generateContent", $$"""
            {"contents":[{"role":"user","parts":[{"text":"weather?"}]},
              {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"} } }]},
              {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"sky":"clear"} } }]}],
             "tools":[{"functionDeclarations":[{"name":"get_weather","parameters":{{Schema}}}]}]}
            """);
        Assert.True(answer.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].TryGetProperty("text", out _));
    }

    [Fact]
    public async Task CountTokensAndEmbeddings_Answer()
    {
        await using var emu = await Emu.StartAsync();
        var count = await emu.PostJsonAsync(Path + "countTokens", Generate());
        Assert.Equal(14, count.GetProperty("totalTokens").GetInt32());

        var embed = await emu.PostJsonAsync("v1beta/models/text-embedding-004:embedContent",
            """{"content":{"parts":[{"text":"hello"}]},"outputDimensionality":8}""");
        Assert.Equal(8, embed.GetProperty("embedding").GetProperty("values").GetArrayLength());

        var batch = await emu.PostJsonAsync("v1beta/models/text-embedding-004:batchEmbedContents", """
            {"requests":[{"model":"models/text-embedding-004","content":{"parts":[{"text":"hello"}]},"outputDimensionality":8},
                         {"model":"models/text-embedding-004","content":{"parts":[{"text":"world"}]}}]}
            """);
        var embeddings = batch.GetProperty("embeddings").EnumerateArray().ToList();
        Assert.Equal(2, embeddings.Count);
        Assert.Equal(embed.GetProperty("embedding").GetProperty("values").GetRawText(), embeddings[0].GetProperty("values").GetRawText());
        Assert.Equal(16, embeddings[1].GetProperty("values").GetArrayLength());
    }

    [Fact]
    public async Task Errors_UseGoogleEnvelope()
    {
        await using var emu = await Emu.StartAsync(new EmulatorOptions { RequiredApiKey = "gk" });
        static (int Code, string Status) Error(string body)
        {
            var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
            return (error.GetProperty("code").GetInt32(), error.GetProperty("status").GetString()!);
        }

        var (unauth, unauthBody) = await emu.PostAsync(Path + "generateContent", Generate());
        Assert.Equal(HttpStatusCode.Unauthorized, unauth.StatusCode);
        Assert.Equal((401, "UNAUTHENTICATED"), Error(unauthBody));

        var byQuery = await emu.PostJsonAsync(Path + "generateContent?key=gk", Generate());
        Assert.True(byQuery.TryGetProperty("candidates", out _));

        var key = ("x-goog-api-key", "gk");
        var (missing, missingBody) = await emu.PostAsync("v1beta/models/missing-gemini:generateContent", Generate(), key);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal((404, "NOT_FOUND"), Error(missingBody));

        var (bad, badBody) = await emu.PostAsync(Path + "generateContent", "nope", key);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal((400, "INVALID_ARGUMENT"), Error(badBody));

        emu.Host.EnqueueFault("status=429");
        var (limited, limitedBody) = await emu.PostAsync(Path + "generateContent", Generate(), key);
        Assert.Equal((429, "RESOURCE_EXHAUSTED"), Error(limitedBody));
        Assert.NotNull(limited.Headers.RetryAfter);

        emu.Host.EnqueueFault("status=503");
        var (_, unavailableBody) = await emu.PostAsync(Path + "generateContent", Generate(), key);
        Assert.Equal((503, "UNAVAILABLE"), Error(unavailableBody));
    }
}
