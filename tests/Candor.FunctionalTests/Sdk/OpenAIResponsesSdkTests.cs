using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using Candor.FunctionalTests.Infrastructure;
using OpenAI;
using OpenAI.Responses;

namespace Candor.FunctionalTests.Sdk;

#pragma warning disable OPENAI001 // The SDK marks its Responses client experimental.

/// <summary>The official OpenAI .NET SDK's Responses client against Candor, with an upstream of each wire behind it:
/// every answer is translated from chat completions, Anthropic messages or Gemini.</summary>
[Collection(CandorCollection.Name)]
public sealed class OpenAIResponsesSdkTests(CandorFixture fixture)
{
    public static TheoryData<string> Models => new() { "m-openai", "m-anthropic", "m-gemini" };

    private static readonly FunctionTool WeatherTool = ResponseTool.CreateFunctionTool(
        "get_weather",
        BinaryData.FromString("""
            {"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]}},"required":["city","unit"]}
            """),
        strictModeEnabled: false,
        functionDescription: "Weather for a city");

    private ResponsesClient Client() => new(new ApiKeyCredential(CandorFixture.Key), new ResponsesClientOptions
    {
        Endpoint = new Uri(fixture.BaseAddress, "v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromSeconds(20),
    });

    private static CancellationToken Timeout() => Json.Timeout(25);

    [Theory]
    [MemberData(nameof(Models))]
    public async Task CreateResponse_Text_ReturnsTheAnswerWithUsage(string model)
    {
        var ct = Timeout();
        ResponseResult response = await Client().CreateResponseAsync(
            new CreateResponseOptions(model, [ResponseItem.CreateUserMessageItem("[[emulator:reply=alpha beta gamma]] go")]) { Instructions = "Be brief." }, ct);

        Assert.StartsWith("resp_", response.Id, StringComparison.Ordinal);
        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.Equal("alpha beta gamma", response.GetOutputText());
        var message = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(response.OutputItems));
        Assert.Equal(MessageRole.Assistant, message.Role);
        Assert.True(response.Usage.InputTokenCount > 0);
        Assert.Equal(3, response.Usage.OutputTokenCount - response.Usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task CreateResponseStreaming_Text_EventsInOrderEndWithTheCompletedResponse(string model)
    {
        var ct = Timeout();
        var text = new StringBuilder();
        var updates = new List<StreamingResponseUpdate>();
        await foreach (var update in await Client().CreateResponseStreamingAsync(
            new CreateResponseOptions(model, [ResponseItem.CreateUserMessageItem("[[emulator:reply=one two three four five]] go")]) { StreamingEnabled = true }, ct))
        {
            updates.Add(update);
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
            }
        }

        Assert.IsType<StreamingResponseCreatedUpdate>(updates[0]);
        Assert.IsType<StreamingResponseInProgressUpdate>(updates[1]);
        Assert.Equal(Enumerable.Range(0, updates.Count), updates.Select(u => u.SequenceNumber));
        Assert.True(updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Count() > 1);
        Assert.Equal("one two three four five", text.ToString());
        Assert.Equal("one two three four five", Assert.Single(updates.OfType<StreamingResponseOutputTextDoneUpdate>()).Text);
        var done = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(updates.OfType<StreamingResponseOutputItemDoneUpdate>()).Item);
        Assert.Equal("one two three four five", done.Content[0].Text);
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        Assert.Equal(ResponseStatus.Completed, completed.Response.Status);
        Assert.Equal("one two three four five", completed.Response.GetOutputText());
        Assert.True(completed.Response.Usage.InputTokenCount > 0);
        Assert.True(completed.Response.Usage.OutputTokenCount >= 5);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task FunctionTool_CallThenOutput_RoundTripsToATextAnswer(string model)
    {
        var ct = Timeout();
        var client = Client();
        List<ResponseItem> items = [ResponseItem.CreateUserMessageItem("Weather in Paris?")];
        var first = await client.CreateResponseAsync(
            new CreateResponseOptions(model, items) { Tools = { WeatherTool }, ToolChoice = ResponseToolChoice.CreateRequiredChoice() }, ct);

        var call = Assert.IsType<FunctionCallResponseItem>(Assert.Single(first.Value.OutputItems));
        Assert.Equal("get_weather", call.FunctionName);
        Assert.False(string.IsNullOrEmpty(call.CallId));
        using (var args = JsonDocument.Parse(call.FunctionArguments))
        {
            Assert.Equal(JsonValueKind.String, args.RootElement.GetProperty("city").ValueKind);
            Assert.Contains(args.RootElement.GetProperty("unit").GetString(), new[] { "c", "f" });
        }

        items.AddRange(first.Value.OutputItems);
        items.Add(ResponseItem.CreateFunctionCallOutputItem(call.CallId, "18 degrees and sunny"));
        var second = await client.CreateResponseAsync(new CreateResponseOptions(model, items) { Tools = { WeatherTool } }, ct);

        Assert.Equal(ResponseStatus.Completed, second.Value.Status);
        Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(second.Value.OutputItems));
        Assert.False(string.IsNullOrWhiteSpace(second.Value.GetOutputText()));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task FunctionToolStreaming_ArgumentsArriveAsDeltasAndAsTheDoneItem(string model)
    {
        var ct = Timeout();
        var arguments = new StringBuilder();
        FunctionCallResponseItem? added = null, done = null;
        string? argumentsDone = null;
        await foreach (var update in await Client().CreateResponseStreamingAsync(
            new CreateResponseOptions(model, [ResponseItem.CreateUserMessageItem("Weather in Paris?")]) { Tools = { WeatherTool }, ToolChoice = ResponseToolChoice.CreateRequiredChoice(), StreamingEnabled = true }, ct))
        {
            switch (update)
            {
                case StreamingResponseOutputItemAddedUpdate { Item: FunctionCallResponseItem a }:
                    added = a;
                    break;
                case StreamingResponseFunctionCallArgumentsDeltaUpdate d:
                    arguments.Append(d.Delta.ToString());
                    break;
                case StreamingResponseFunctionCallArgumentsDoneUpdate d:
                    argumentsDone = d.FunctionArguments.ToString();
                    break;
                case StreamingResponseOutputItemDoneUpdate { Item: FunctionCallResponseItem f }:
                    done = f;
                    break;
            }
        }

        Assert.NotNull(added);
        Assert.NotNull(done);
        Assert.Equal("get_weather", done.FunctionName);
        Assert.Equal(added.CallId, done.CallId);
        Assert.Equal(arguments.ToString(), argumentsDone);
        Assert.Equal(argumentsDone, done.FunctionArguments.ToString());
        using var args = JsonDocument.Parse(done.FunctionArguments);
        Assert.Equal(JsonValueKind.String, args.RootElement.GetProperty("city").ValueKind);
    }

    [Fact]
    public async Task Reasoning_EncryptedContentFromAnthropic_ComesBackAsASignedThinkingBlock()
    {
        var ct = Timeout();
        var client = Client();
        List<ResponseItem> items = [ResponseItem.CreateUserMessageItem("Weather in Paris?")];
        var options = new CreateResponseOptions("m-anthropic", items)
        {
            Tools = { WeatherTool },
            ToolChoice = ResponseToolChoice.CreateRequiredChoice(),
            ReasoningOptions = new ResponseReasoningOptions { ReasoningEffortLevel = ResponseReasoningEffortLevel.Low },
            IncludedProperties = { IncludedResponseProperty.ReasoningEncryptedContent },
        };
        var first = await client.CreateResponseAsync(options, ct);

        var reasoning = Assert.IsType<ReasoningResponseItem>(first.Value.OutputItems[0]);
        Assert.False(string.IsNullOrEmpty(reasoning.EncryptedContent));
        Assert.False(string.IsNullOrEmpty(reasoning.GetSummaryText()));
        var call = Assert.IsType<FunctionCallResponseItem>(first.Value.OutputItems[1]);
        Assert.True(first.Value.Usage.OutputTokenDetails.ReasoningTokenCount >= 0);

        fixture.Emulator.Journal.Clear();
        items.AddRange(first.Value.OutputItems);
        items.Add(ResponseItem.CreateFunctionCallOutputItem(call.CallId, "18 degrees and sunny"));
        var second = await client.CreateResponseAsync(new CreateResponseOptions("m-anthropic", items)
        {
            Tools = { WeatherTool },
            ReasoningOptions = new ResponseReasoningOptions { ReasoningEffortLevel = ResponseReasoningEffortLevel.Low },
        }, ct);

        Assert.False(string.IsNullOrWhiteSpace(second.Value.GetOutputText()));
        using var sent = JsonDocument.Parse(fixture.Emulator.Journal.Last!.BodyText);
        var assistant = sent.RootElement.GetProperty("messages")[1].GetProperty("content");
        Assert.Equal("thinking", assistant[0].GetProperty("type").GetString());
        Assert.Equal(reasoning.EncryptedContent, assistant[0].GetProperty("signature").GetString());
        Assert.Equal("tool_use", assistant[1].GetProperty("type").GetString());
    }

    [Fact]
    public async Task StoreTrue_IsRefusedWithTheZeroRetentionReason()
    {
        var ct = Timeout();
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Client().CreateResponseAsync(
            new CreateResponseOptions("m-openai", [ResponseItem.CreateUserMessageItem("hello")]) { StoredOutputEnabled = true }, ct));

        Assert.Equal(400, error.Status);
        Assert.Contains("zero retention", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, fixture.Emulator.Journal.All.Count(e => e.BodyText.Contains("hello", StringComparison.Ordinal) && e.Path.Contains("responses", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task PreviousResponseId_IsRefusedWithTheZeroRetentionReason()
    {
        var ct = Timeout();
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Client().CreateResponseAsync(
            new CreateResponseOptions("m-openai", [ResponseItem.CreateUserMessageItem("hello")]) { PreviousResponseId = "resp_earlier" }, ct));

        Assert.Equal(400, error.Status);
        Assert.Contains("zero retention", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponse_NothingIsStored_404InOpenAIsEnvelope()
    {
        var ct = Timeout();
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Client().GetResponseAsync("resp_anything", ct));

        Assert.Equal(404, error.Status);
        Assert.Contains("zero retention", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamFailure_IsAnErrorInOpenAIsEnvelope()
    {
        var ct = Timeout();
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Client().CreateResponseAsync(
            new CreateResponseOptions("m-500", [ResponseItem.CreateUserMessageItem("hello")]), ct));

        Assert.Equal(502, error.Status);
        using var body = JsonDocument.Parse(error.GetRawResponse()!.Content.ToString());
        Assert.Equal("server_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
    }
}
