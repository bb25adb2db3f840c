using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Models;

namespace Candor.FunctionalTests.Sdk;

/// <summary>The official OpenAI .NET SDK, used as an application would, against every upstream wire.</summary>
[Collection(CandorCollection.Name)]
public sealed class OpenAISdkTests(CandorFixture fixture)
{
    public static TheoryData<string> Models => CandorFixture.ChatModels;

    public static TheoryData<string> EmbeddingModels => new() { "m-embed", "m-embed-gemini" };

    // 1x1 transparent PNG.
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private static readonly ChatTool WeatherTool = ChatTool.CreateFunctionTool(
        "get_weather",
        "Weather for a city",
        BinaryData.FromString("""
            {"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]}},"required":["city","unit"]}
            """));

    // The SDK retries 429 and 5xx by default; the tests check what Candor answers, once.
    private OpenAIClientOptions Options() => new()
    {
        Endpoint = new Uri(fixture.BaseAddress, "v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromSeconds(20),
    };

    private ChatClient Chat(string model, string key = CandorFixture.Key) => new(model, new ApiKeyCredential(key), Options());

    private static CancellationToken Timeout() => Json.Timeout(25);

    [Theory]
    [MemberData(nameof(Models))]
    public async Task CompleteChat_WithSystemAndUser_ReturnsText(string model)
    {
        var ct = Timeout();
        ChatCompletion completion = await Chat(model).CompleteChatAsync(
            [new SystemChatMessage("Be brief."), new UserChatMessage("Say hello")], new ChatCompletionOptions(), ct);

        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.False(string.IsNullOrEmpty(completion.Id));
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.True(completion.Usage.OutputTokenCount > 0);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task CompleteChat_ExactReply_IsRelayedVerbatim(string model)
    {
        var ct = Timeout();
        ChatCompletion completion = await Chat(model).CompleteChatAsync(
            [new UserChatMessage("[[emulator:reply=alpha beta gamma]] go")], new ChatCompletionOptions(), ct);

        Assert.Equal("alpha beta gamma", completion.Content[0].Text);
        Assert.Equal(3, completion.Usage.OutputTokenCount - (completion.Usage.OutputTokenDetails?.ReasoningTokenCount ?? 0));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task CompleteChatStreaming_Text_AccumulatesWithFinishReasonAndUsage(string model)
    {
        var ct = Timeout();
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        int updates = 0;
        await foreach (var update in Chat(model).CompleteChatStreamingAsync(
            [new SystemChatMessage("Be brief."), new UserChatMessage("[[emulator:reply=one two three four five]] go")],
            new ChatCompletionOptions(), ct))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.True(updates > 1);
        Assert.Equal("one two three four five", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.True(usage.InputTokenCount > 0);
        Assert.True(usage.OutputTokenCount >= 5);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task CompleteChat_MaxOutputTokensReached_FinishesWithLength(string model)
    {
        var ct = Timeout();
        ChatCompletion completion = await Chat(model).CompleteChatAsync(
            [new UserChatMessage("[[emulator:tokens=30]] Tell me a long story")], new ChatCompletionOptions { MaxOutputTokenCount = 3 }, ct);

        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.True(completion.Usage.OutputTokenCount <= 3);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task CompleteChat_StopSequence_CutsTheAnswer(string model)
    {
        var ct = Timeout();
        ChatCompletion completion = await Chat(model).CompleteChatAsync(
            [new UserChatMessage("[[emulator:reply=one two STOP three]] go")], new ChatCompletionOptions { StopSequences = { "STOP" } }, ct);

        Assert.Equal("one two", completion.Content[0].Text.TrimEnd());
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
    }

    [Fact]
    public async Task CompleteChat_Reasoner_ReportsReasoningTokens()
    {
        var ct = Timeout();
        ChatCompletion completion = await Chat("m-deepseek").CompleteChatAsync([new UserChatMessage("Think about it")], new ChatCompletionOptions(), ct);

        Assert.True(completion.Usage.OutputTokenDetails.ReasoningTokenCount > 0);
        Assert.True(completion.Usage.OutputTokenCount > completion.Usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Tools_CallThenResult_RoundTripsToATextAnswer(string model)
    {
        var ct = Timeout();
        var client = Chat(model);
        var options = new ChatCompletionOptions { Tools = { WeatherTool }, ToolChoice = ChatToolChoice.CreateRequiredChoice() };
        List<ChatMessage> messages = [new UserChatMessage("Weather in Paris?")];

        ChatCompletion first = await client.CompleteChatAsync(messages, options, ct);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal(ChatToolCallKind.Function, call.Kind);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.False(string.IsNullOrEmpty(call.Id));
        using (var args = JsonDocument.Parse(call.FunctionArguments))
        {
            Assert.Equal(JsonValueKind.String, args.RootElement.GetProperty("city").ValueKind);
            Assert.Contains(args.RootElement.GetProperty("unit").GetString(), new[] { "c", "f" });
        }

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "18 degrees and sunny"));
        ChatCompletion second = await client.CompleteChatAsync(messages, new ChatCompletionOptions { Tools = { WeatherTool } }, ct);

        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        Assert.Empty(second.ToolCalls);
        Assert.False(string.IsNullOrWhiteSpace(second.Content[0].Text));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task ToolsStreaming_CallArrivesWithIdNameAndParsableArguments(string model)
    {
        var ct = Timeout();
        var options = new ChatCompletionOptions { Tools = { WeatherTool }, ToolChoice = ChatToolChoice.CreateRequiredChoice() };
        string? id = null, name = null;
        var arguments = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in Chat(model).CompleteChatStreamingAsync([new UserChatMessage("Weather in Paris?")], options, ct))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                Assert.Equal(0, part.Index);
                id ??= part.ToolCallId;
                name ??= part.FunctionName;
                if (part.FunctionArgumentsUpdate is { } chunk && !chunk.ToMemory().IsEmpty)
                {
                    arguments.Append(chunk.ToString());
                }
            }

            finish ??= update.FinishReason;
        }

        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal("get_weather", name);
        using var args = JsonDocument.Parse(arguments.ToString());
        Assert.Equal(JsonValueKind.String, args.RootElement.GetProperty("city").ValueKind);
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task ImagePart_FromBytes_ReachesTheUpstreamOrIsRefused(string model)
    {
        var ct = Timeout();
        var message = new UserChatMessage(
            ChatMessageContentPart.CreateTextPart("What is this?"),
            ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(Png), "image/png"));

        if (model == "m-deepseek")
        {
            // DeepSeek's API takes no image input: Candor refuses before anything leaves.
            var error = await Assert.ThrowsAsync<ClientResultException>(() => Chat(model).CompleteChatAsync([message], new ChatCompletionOptions(), ct));
            Assert.Equal(400, error.Status);
            return;
        }

        ChatCompletion completion = await Chat(model).CompleteChatAsync([message], new ChatCompletionOptions(), ct);
        Assert.StartsWith("I see 1 image", completion.Content[0].Text);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task JsonSchemaResponseFormat_AnswerParsesAsJson(string model)
    {
        var ct = Timeout();
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("city", BinaryData.FromString("""
                {"type":"object","properties":{"city":{"type":"string"},"ok":{"type":"boolean"}},"required":["city","ok"],"additionalProperties":false}
                """), jsonSchemaIsStrict: true),
        };
        ChatCompletion completion = await Chat(model).CompleteChatAsync(
            [new SystemChatMessage("Answer in JSON."), new UserChatMessage("""[[emulator:reply={"city":"Paris","ok":true}]] json please""")], options, ct);

        using var doc = JsonDocument.Parse(completion.Content[0].Text);
        Assert.Equal("Paris", doc.RootElement.GetProperty("city").GetString());
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task JsonObjectResponseFormat_AnswerParsesAsJsonOnEveryWire(string model)
    {
        var ct = Timeout();
        var options = new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat() };
        List<ChatMessage> messages = [new SystemChatMessage("Answer in JSON."), new UserChatMessage("""[[emulator:reply={"city":"Paris"}]] json please""")];

        // Anthropic has no schema-less JSON mode: Candor serves it with a system instruction (AnthropicRequestEncoder).
        ChatCompletion completion = await Chat(model).CompleteChatAsync(messages, options, ct);
        using var doc = JsonDocument.Parse(completion.Content[0].Text);
        Assert.Equal("Paris", doc.RootElement.GetProperty("city").GetString());
    }

    [Theory]
    [MemberData(nameof(EmbeddingModels))]
    public async Task Embeddings_TwoInputs_ReturnTwoVectorsOfTheDefaultDimension(string model)
    {
        var ct = Timeout();
        var client = new EmbeddingClient(model, new ApiKeyCredential(CandorFixture.Key), Options());

        OpenAIEmbeddingCollection embeddings = await client.GenerateEmbeddingsAsync(["first text", "second text"], new EmbeddingGenerationOptions(), ct);

        Assert.Equal(2, embeddings.Count);
        Assert.Equal([0, 1], embeddings.Select(e => e.Index));
        Assert.All(embeddings, e => Assert.Equal(16, e.ToFloats().Length));
        Assert.NotEqual(embeddings[0].ToFloats().ToArray(), embeddings[1].ToFloats().ToArray());
    }

    [Theory]
    [MemberData(nameof(EmbeddingModels))]
    public async Task Embeddings_WithDimensions_ReturnVectorsOfThatDimension(string model)
    {
        var ct = Timeout();
        var client = new EmbeddingClient(model, new ApiKeyCredential(CandorFixture.Key), Options());

        OpenAIEmbedding embedding = await client.GenerateEmbeddingAsync("some text", new EmbeddingGenerationOptions { Dimensions = 8 }, ct);

        Assert.Equal(8, embedding.ToFloats().Length);
    }

    [Fact]
    public async Task ListModels_ContainsThePublicModels()
    {
        var ct = Timeout();
        var client = new OpenAIModelClient(new ApiKeyCredential(CandorFixture.Key), Options());

        OpenAIModelCollection models = await client.GetModelsAsync(ct);

        Assert.Contains(models, m => m.Id == "m-openai");
        Assert.Contains(models, m => m.Id == "m-anthropic");
    }

    [Fact]
    public async Task BadKey_Throws401()
    {
        var ct = Timeout();
        var error = await Assert.ThrowsAsync<ClientResultException>(
            () => Chat("m-openai", "sk-wrong-0123456789abcdef").CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions(), ct));
        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task UnknownModel_Throws404()
    {
        var ct = Timeout();
        var error = await Assert.ThrowsAsync<ClientResultException>(
            () => Chat("no-such-model").CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions(), ct));
        Assert.Equal(404, error.Status);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task UpstreamRateLimit_Throws429WithRetryAfter(string model)
    {
        var ct = Timeout();
        var error = await Assert.ThrowsAsync<ClientResultException>(
            () => Chat(model).CompleteChatAsync([new UserChatMessage("[[emulator:status=429;retry_after=3]] Hello")], new ChatCompletionOptions(), ct));
        Assert.Equal(429, error.Status);
        var response = error.GetRawResponse();
        Assert.NotNull(response);
        Assert.True(response.Headers.TryGetValue("retry-after", out string? retryAfter));
        Assert.Equal("3", retryAfter);
    }
}
