using System.Text;
using System.Text.Json;
using Anthropic;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Sdk;

/// <summary>The official Anthropic .NET SDK, used as an application would, against every upstream wire.</summary>
[Collection(CandorCollection.Name)]
public sealed class AnthropicSdkTests(CandorFixture fixture)
{
    public static TheoryData<string> Models => CandorFixture.ChatModels;

    // 1x1 transparent PNG.
    private const string Png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

    private static readonly Tool WeatherTool = new()
    {
        Name = "get_weather",
        Description = "Weather for a city",
        InputSchema = new InputSchema
        {
            Properties = new Dictionary<string, JsonElement>
            {
                ["city"] = JsonDocument.Parse("""{"type":"string"}""").RootElement.Clone(),
                ["unit"] = JsonDocument.Parse("""{"type":"string","enum":["c","f"]}""").RootElement.Clone(),
            },
            Required = ["city", "unit"],
        },
    };

    // The SDK retries 408/409/429/5xx by default; the tests check what Candor answers, once.
    private AnthropicClient Client(string key = CandorFixture.Key) => new()
    {
        ApiKey = key,
        BaseUrl = fixture.BaseAddress.ToString().TrimEnd('/'),
        MaxRetries = 0,
        Timeout = TimeSpan.FromSeconds(20),
    };

    private static CancellationToken Timeout() => Json.Timeout(25);

    private static string Text(Message message) =>
        string.Concat(message.Content.Select(b => b.Value).OfType<TextBlock>().Select(b => b.Text));

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Create_WithSystem_ReturnsTextEndTurnAndUsage(string model)
    {
        var ct = Timeout();
        using var client = Client();
        Message message = await client.Messages.Create(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 256,
            System = "Be brief.",
            Messages = [new UserMessageParam("Say hello")],
        }, ct);

        Assert.False(string.IsNullOrEmpty(message.ID));
        Assert.False(string.IsNullOrWhiteSpace(Text(message)));
        Assert.Equal("end_turn", message.StopReason?.Raw());
        Assert.True(message.Usage.InputTokens > 0);
        Assert.True(message.Usage.OutputTokens > 0);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Create_ExactReply_IsRelayedVerbatim(string model)
    {
        var ct = Timeout();
        using var client = Client();
        Message message = await client.Messages.Create(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 256,
            Messages = [new UserMessageParam("[[emulator:reply=alpha beta gamma]] go")],
        }, ct);

        Assert.Equal("alpha beta gamma", Text(message));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task CreateStreaming_Text_AccumulatesWithStopReasonAndUsage(string model)
    {
        var ct = Timeout();
        using var client = Client();
        var text = new StringBuilder();
        string? stopReason = null;
        long outputTokens = 0;
        bool started = false, stopped = false;
        await foreach (var ev in client.Messages.CreateStreaming(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 256,
            System = "Be brief.",
            Messages = [new UserMessageParam("[[emulator:reply=one two three four five]] go")],
        }, ct))
        {
            Assert.False(stopped);
            if (ev.TryPickStart(out _))
            {
                started = true;
            }
            else if (ev.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var chunk))
            {
                text.Append(chunk.Text);
            }
            else if (ev.TryPickDelta(out var messageDelta))
            {
                stopReason = messageDelta.Delta.StopReason?.Raw();
                outputTokens = messageDelta.Usage.OutputTokens;
            }
            else if (ev.TryPickStop(out _))
            {
                stopped = true;
            }
        }

        Assert.True(started);
        Assert.True(stopped);
        Assert.Equal("one two three four five", text.ToString());
        Assert.Equal("end_turn", stopReason);
        Assert.True(outputTokens >= 5);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Tools_ToolUseThenResult_RoundTripsToATextAnswer(string model)
    {
        var ct = Timeout();
        using var client = Client();
        var question = new UserMessageParam("Weather in Paris?");
        Message first = await client.Messages.Create(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 256,
            Tools = [WeatherTool],
            ToolChoice = new ToolChoiceAny(),
            Messages = [question],
        }, ct);

        Assert.Equal("tool_use", first.StopReason?.Raw());
        var toolUse = Assert.Single(first.Content.Select(b => b.Value).OfType<ToolUseBlock>());
        Assert.Equal("get_weather", toolUse.Name);
        Assert.False(string.IsNullOrEmpty(toolUse.ID));
        Assert.Equal(JsonValueKind.String, toolUse.Input["city"].ValueKind);
        Assert.Contains(toolUse.Input["unit"].GetString(), new[] { "c", "f" });

        Message second = await client.Messages.Create(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 256,
            Tools = [WeatherTool],
            Messages =
            [
                question,
                new AssistantMessageParam(new List<ContentBlockParam> { new ToolUseBlockParam { ID = toolUse.ID, Name = toolUse.Name, Input = toolUse.Input } }),
                new UserMessageParam(new List<ContentBlockParam> { new ToolResultBlockParam { ToolUseID = toolUse.ID, Content = "18 degrees and sunny" } }),
            ],
        }, ct);

        Assert.Equal("end_turn", second.StopReason?.Raw());
        Assert.Empty(second.Content.Select(b => b.Value).OfType<ToolUseBlock>());
        Assert.False(string.IsNullOrWhiteSpace(Text(second)));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task ImageBlock_Base64_ReachesTheUpstreamOrIsRefused(string model)
    {
        var ct = Timeout();
        using var client = Client();
        var parameters = new MessageCreateParams
        {
            Model = model,
            MaxTokens = 64,
            Messages =
            [
                new UserMessageParam(new List<ContentBlockParam>
                {
                    new ImageBlockParam { Source = new Base64ImageSource { Data = Png, MediaType = MediaType.ImagePng } },
                    new TextBlockParam { Text = "What is this?" },
                }),
            ],
        };

        if (model == "m-deepseek")
        {
            // DeepSeek's API takes no image input: Candor refuses before anything leaves.
            await Assert.ThrowsAsync<AnthropicBadRequestException>(() => client.Messages.Create(parameters, ct));
            return;
        }

        Message message = await client.Messages.Create(parameters, ct);
        Assert.StartsWith("I see 1 image", Text(message));
    }

    [Fact]
    public async Task Thinking_SignedBlockSentBackUnchanged_IsAccepted()
    {
        var ct = Timeout();
        using var client = Client();
        var question = new UserMessageParam("Think, then answer.");
        Message first = await client.Messages.Create(new MessageCreateParams
        {
            Model = "m-anthropic",
            MaxTokens = 2048,
            Thinking = new ThinkingConfigEnabled { BudgetTokens = 1024 },
            Messages = [question],
        }, ct);

        var thinking = Assert.Single(first.Content.Select(b => b.Value).OfType<ThinkingBlock>());
        Assert.False(string.IsNullOrEmpty(thinking.Thinking));
        Assert.False(string.IsNullOrEmpty(thinking.Signature));
        Assert.IsType<ThinkingBlock>(first.Content[0].Value);
        string answer = Text(first);
        Assert.False(string.IsNullOrWhiteSpace(answer));

        Message second = await client.Messages.Create(new MessageCreateParams
        {
            Model = "m-anthropic",
            MaxTokens = 2048,
            Thinking = new ThinkingConfigEnabled { BudgetTokens = 1024 },
            Messages =
            [
                question,
                new AssistantMessageParam(new List<ContentBlockParam>
                {
                    new ThinkingBlockParam { Thinking = thinking.Thinking, Signature = thinking.Signature },
                    new TextBlockParam { Text = answer },
                }),
                new UserMessageParam("And now?"),
            ],
        }, ct);

        Assert.Equal("end_turn", second.StopReason?.Raw());
        Assert.False(string.IsNullOrWhiteSpace(Text(second)));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Thinking_BlocksAreReadableAndSendingThemBackIsAccepted(string model)
    {
        var ct = Timeout();
        using var client = Client();
        var question = new UserMessageParam("Think, then answer.");
        Message first = await client.Messages.Create(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 2048,
            Thinking = new ThinkingConfigEnabled { BudgetTokens = 1024 },
            Messages = [question],
        }, ct);

        // Every thinking block must carry the fields the SDK requires (reading a missing one throws).
        var thinking = first.Content.Select(b => b.Value).OfType<ThinkingBlock>().ToList();
        Assert.All(thinking, t => Assert.NotNull(t.Signature));
        Assert.All(thinking, t => Assert.False(string.IsNullOrEmpty(t.Thinking)));
        if (model is "m-anthropic" or "m-deepseek" or "m-gemini")
        {
            Assert.NotEmpty(thinking);
        }

        var echoed = new List<ContentBlockParam>();
        echoed.AddRange(thinking.Select(t => (ContentBlockParam)new ThinkingBlockParam { Thinking = t.Thinking, Signature = t.Signature }));
        echoed.Add(new TextBlockParam { Text = Text(first) });
        Message second = await client.Messages.Create(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 2048,
            Thinking = new ThinkingConfigEnabled { BudgetTokens = 1024 },
            Messages = [question, new AssistantMessageParam(echoed), new UserMessageParam("And now?")],
        }, ct);

        Assert.Equal("end_turn", second.StopReason?.Raw());
        Assert.False(string.IsNullOrWhiteSpace(Text(second)));
    }

    [Fact]
    public async Task ThinkingStreaming_DeltasAndSignatureArriveBeforeTheText()
    {
        var ct = Timeout();
        using var client = Client();
        var thinking = new StringBuilder();
        var text = new StringBuilder();
        string? signature = null;
        await foreach (var ev in client.Messages.CreateStreaming(new MessageCreateParams
        {
            Model = "m-anthropic",
            MaxTokens = 2048,
            Thinking = new ThinkingConfigEnabled { BudgetTokens = 1024 },
            Messages = [new UserMessageParam("Think, then answer.")],
        }, ct))
        {
            if (!ev.TryPickContentBlockDelta(out var delta))
            {
                continue;
            }

            if (delta.Delta.TryPickThinking(out var t))
            {
                Assert.Equal(0, text.Length);
                thinking.Append(t.Thinking);
            }
            else if (delta.Delta.TryPickSignature(out var s))
            {
                signature = s.Signature;
            }
            else if (delta.Delta.TryPickText(out var x))
            {
                text.Append(x.Text);
            }
        }

        Assert.NotEqual(0, thinking.Length);
        Assert.False(string.IsNullOrEmpty(signature));
        Assert.NotEqual(0, text.Length);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Tools_NamedToolChoice_StopsWithToolUse(string model)
    {
        var ct = Timeout();
        using var client = Client();
        Message message = await client.Messages.Create(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 256,
            Tools = [WeatherTool],
            ToolChoice = new ToolChoiceTool { Name = "get_weather" },
            Messages = [new UserMessageParam("Weather in Paris?")],
        }, ct);

        Assert.Equal("tool_use", message.StopReason?.Raw());
        Assert.Equal("get_weather", Assert.Single(message.Content.Select(b => b.Value).OfType<ToolUseBlock>()).Name);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task ToolsStreaming_InputJsonDeltasParseToTheArguments(string model)
    {
        var ct = Timeout();
        using var client = Client();
        string? id = null, name = null, stopReason = null;
        var json = new StringBuilder();
        await foreach (var ev in client.Messages.CreateStreaming(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 256,
            Tools = [WeatherTool],
            ToolChoice = new ToolChoiceTool { Name = "get_weather" },
            Messages = [new UserMessageParam("Weather in Paris?")],
        }, ct))
        {
            if (ev.TryPickContentBlockStart(out var start) && start.ContentBlock.TryPickToolUse(out var toolUse))
            {
                id = toolUse.ID;
                name = toolUse.Name;
            }
            else if (ev.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var partial))
            {
                json.Append(partial.PartialJson);
            }
            else if (ev.TryPickDelta(out var messageDelta))
            {
                stopReason = messageDelta.Delta.StopReason?.Raw();
            }
        }

        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal("get_weather", name);
        using var args = JsonDocument.Parse(json.ToString());
        Assert.Equal(JsonValueKind.String, args.RootElement.GetProperty("city").ValueKind);
        Assert.Equal("tool_use", stopReason);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Create_MaxTokensReached_StopsWithMaxTokens(string model)
    {
        var ct = Timeout();
        using var client = Client();
        Message message = await client.Messages.Create(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 3,
            Messages = [new UserMessageParam("[[emulator:tokens=30]] Tell me a long story")],
        }, ct);

        Assert.Equal("max_tokens", message.StopReason?.Raw());
        Assert.True(message.Usage.OutputTokens <= 3);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Create_StopSequence_CutsTheAnswer(string model)
    {
        var ct = Timeout();
        using var client = Client();
        Message message = await client.Messages.Create(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 256,
            StopSequences = ["STOP"],
            Messages = [new UserMessageParam("[[emulator:reply=one two STOP three]] go")],
        }, ct);

        Assert.Equal("one two ", Text(message));
        Assert.Contains(message.StopReason?.Raw(), new[] { "stop_sequence", "end_turn" });
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task CountTokens_ReturnsPositiveInputTokens(string model)
    {
        var ct = Timeout();
        using var client = Client();
        MessageTokensCount count = await client.Messages.CountTokens(new MessageCountTokensParams
        {
            Model = model,
            System = "Be brief.",
            Messages = [new UserMessageParam("How many tokens is this sentence?")],
        }, ct);

        Assert.True(count.InputTokens > 0);
    }

    [Fact]
    public async Task BadKey_ThrowsUnauthorized()
    {
        var ct = Timeout();
        using var client = Client("sk-wrong-0123456789abcdef");
        var error = await Assert.ThrowsAsync<AnthropicUnauthorizedException>(() => client.Messages.Create(new MessageCreateParams
        {
            Model = "m-anthropic",
            MaxTokens = 64,
            Messages = [new UserMessageParam("Hello")],
        }, ct));
        Assert.Equal(401, (int)error.StatusCode);
    }

    [Fact]
    public async Task UnknownModel_ThrowsNotFound()
    {
        var ct = Timeout();
        using var client = Client();
        var error = await Assert.ThrowsAsync<AnthropicNotFoundException>(() => client.Messages.Create(new MessageCreateParams
        {
            Model = "no-such-model",
            MaxTokens = 64,
            Messages = [new UserMessageParam("Hello")],
        }, ct));
        Assert.Equal(404, (int)error.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task UpstreamRateLimit_ThrowsRateLimit(string model)
    {
        var ct = Timeout();
        using var client = Client();
        var error = await Assert.ThrowsAsync<AnthropicRateLimitException>(() => client.Messages.Create(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 64,
            Messages = [new UserMessageParam("[[emulator:status=429;retry_after=3]] Hello")],
        }, ct));
        Assert.Equal(429, (int)error.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task StreamingUpstreamDisconnect_SurfacesAnSseException(string model)
    {
        var ct = Timeout();
        using var client = Client();
        var text = new StringBuilder();
        bool stopped = false;
        await Assert.ThrowsAsync<AnthropicSseException>(async () =>
        {
            await foreach (var ev in client.Messages.CreateStreaming(new MessageCreateParams
            {
                Model = model,
                MaxTokens = 256,
                Messages = [new UserMessageParam("[[emulator:tokens=40;disconnect_after=4]] go")],
            }, ct))
            {
                if (ev.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var chunk))
                {
                    text.Append(chunk.Text);
                }

                stopped |= ev.TryPickStop(out _);
            }
        });

        Assert.False(stopped);
    }
}
