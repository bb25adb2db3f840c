using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace Candor.FunctionalTests.Sdk;

/// <summary>Real vendor streams, recorded by public SDK and framework repositories (tests/Recordings, sources and
/// licences in its SOURCES.md), replayed byte for byte as the upstream by the emulator's <c>/replay/NAME/</c>: a client on
/// the recording's own wire gets the recorded bytes unchanged, and the OpenAI .NET SDK's streamed tool loop over each
/// recorded wire sees the recorded text, tool call, finish reason and usage, token for token. The Node suite
/// (<see cref="NodeClientsSuiteTests"/>) runs every client API against every recording.</summary>
public sealed class RecordedStreamsTests(RecordedStreamsTests.Host host) : IClassFixture<RecordedStreamsTests.Host>
{
    public const string Key = "sk-recorded-0123456789abcdef";

    /// <summary>Candor whose upstreams replay the recordings: one model per recorded wire.</summary>
    public sealed class Host : IAsyncLifetime
    {
        private CandorTestHost? _host;

        public CandorTestHost Candor => _host!;

        public async Task InitializeAsync() => _host = await CandorTestHost.Create()
            .Prefix("candor-recorded-")
            .Emulator(new EmulatorOptions { RequiredApiKey = CandorTestHost.UpstreamSecret, RecordingsDirectory = Recordings })
            .Yaml("""
                channels:
                  - { id: oa, provider: openai, base_url: "{{emu}}/replay/openai-chat/v1", api_key_env: UPSTREAM_KEY }
                  - { id: or, provider: openai-responses, base_url: "{{emu}}/replay/openai-responses/v1", api_key_env: UPSTREAM_KEY }
                  - { id: an, provider: anthropic, base_url: "{{emu}}/replay/anthropic", api_key_env: UPSTREAM_KEY }
                  - { id: ge, provider: gemini, base_url: "{{emu}}/replay/gemini", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: r-openai, deployments: [{ channel: oa, model: gpt-4o-mini }] }
                  - { name: r-responses, deployments: [{ channel: or, model: gpt-5.1-codex-max }] }
                  - { name: r-anthropic, deployments: [{ channel: an, model: claude-sonnet-4-5 }] }
                  - { name: r-gemini, deployments: [{ channel: ge, model: gemini-3-pro-preview }] }
                keys:
                  - { name: recorded, key_env: CLIENT_KEY }
                """)
            .Env("CLIENT_KEY", Key)
            .StartAsync();

        public async Task DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }
        }
    }

    /// <summary>The same-wire requests: the surface's path and body, and the vendor path the emulator replays on.</summary>
    public static TheoryData<string, string, string, string> SameWire => new()
    {
        { "openai-chat", "v1/chat/completions", "v1/chat/completions",
            """{"model":"{0}","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Go."}]}""" },
        { "openai-responses", "v1/responses", "v1/responses", """{"model":"{0}","stream":true,"store":false,"input":"Go."}""" },
        { "anthropic", "v1/messages", "v1/messages", """{"model":"{0}","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"Go."}]}""" },
        { "gemini", "v1beta/models/{0}:streamGenerateContent?alt=sse", "v1beta/models/{0}:streamGenerateContent?alt=sse",
            """{"contents":[{"role":"user","parts":[{"text":"Go."}]}]}""" },
    };

    [Theory]
    [MemberData(nameof(SameWire))]
    public async Task SameWireStream_ReachesTheClientAsRecorded_ByteForByte(string recording, string path, string vendorPath, string body)
    {
        var ct = Json.Timeout(60);
        string publicModel = PublicModel(recording);
        using var client = host.Candor.CreateClient(Key, TimeSpan.FromSeconds(55));
        using var request = new HttpRequestMessage(HttpMethod.Post, path.Replace("{0}", publicModel, StringComparison.Ordinal))
        {
            Content = Json.Body(body.Replace("{0}", publicModel, StringComparison.Ordinal)),
        };
        request.Headers.Add("x-api-key", Key);
        request.Headers.Add("x-goog-api-key", Key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        byte[] relayed = await response.Content.ReadAsByteArrayAsync(ct);
        Assert.True(response.IsSuccessStatusCode, Encoding.UTF8.GetString(relayed));

        // What the upstream sent: the emulator's replay of the recording, asked directly.
        using var upstream = new HttpClient { BaseAddress = host.Candor.Emulator.BaseAddress };
        using var direct = await upstream.PostAsync($"replay/{recording}/{vendorPath.Replace("{0}", "m", StringComparison.Ordinal)}",
            Json.Body(body.Replace("{0}", "m", StringComparison.Ordinal)), ct);
        byte[] recorded = await direct.Content.ReadAsByteArrayAsync(ct);
        Assert.True(direct.IsSuccessStatusCode, Encoding.UTF8.GetString(recorded));

        Assert.Equal(Encoding.UTF8.GetString(recorded), Encoding.UTF8.GetString(relayed));
        Assert.Equal(recorded, relayed);
        if (recording == "openai-chat")
        {
            // A .sse recording is the vendor's body as it was: replayed unchanged.
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Recordings, recording, "1.sse"), ct), recorded);
        }
    }

    /// <summary>What each recording carries, turn by turn (read from tests/Recordings; the long Anthropic answer's text
    /// is read from the recording by <see cref="AnthropicText"/>).</summary>
    public static TheoryData<string> ChatRecordings => new() { "openai-chat", "anthropic", "gemini" };

    [Theory]
    [MemberData(nameof(ChatRecordings))]
    public async Task OpenAISdkToolLoop_OverEachRecordedWire_SeesTheRecordedTextCallsFinishAndUsage(string recording)
    {
        var ct = Json.Timeout(60);
        var expected = Expected(recording);
        var chat = new ChatClient(PublicModel(recording), new ApiKeyCredential(Key), new OpenAIClientOptions
        {
            Endpoint = new Uri(host.Candor.BaseAddress, "v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(50),
        });
        var options = new ChatCompletionOptions
        {
            Tools = { ChatTool.CreateFunctionTool(expected.Tool, "Recorded tool", BinaryData.FromString("""{"type":"object","properties":{}}""")) },
        };
        List<ChatMessage> messages = [new UserChatMessage("Go.")];

        var first = await StreamAsync(chat, messages, options, ct);
        Assert.Equal(expected.Text1, first.Text);
        Assert.Equal(expected.Tool, first.Name);
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(expected.Arguments).RootElement), JsonSerializer.Serialize(JsonDocument.Parse(first.Arguments).RootElement));
        Assert.Equal(ChatFinishReason.ToolCalls, first.Finish);
        Assert.Equal(expected.Input1, first.Usage?.InputTokenCount);
        Assert.Equal(expected.Output1, first.Usage?.OutputTokenCount);

        var assistant = new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall(first.Id, first.Name, BinaryData.FromString(first.Arguments))]);
        if (first.Text.Length > 0)
        {
            assistant.Content.Add(ChatMessageContentPart.CreateTextPart(first.Text));
        }

        messages.Add(assistant);
        messages.Add(new ToolChatMessage(first.Id, "done"));
        var second = await StreamAsync(chat, messages, options, ct);
        Assert.Equal(expected.Text2, second.Text);
        Assert.Null(second.Name);
        Assert.Equal(ChatFinishReason.Stop, second.Finish);
        Assert.Equal(expected.Input2, second.Usage?.InputTokenCount);
        Assert.Equal(expected.Output2, second.Usage?.OutputTokenCount);
    }

    private sealed record Expectation(string Tool, string Arguments, string Text1, int Input1, int Output1, string Text2, int Input2, int Output2);

    /// <summary>The recorded figures. Gemini's output counts its thoughts (candidates 15 + thoughts 804; 23 + 185).</summary>
    private static Expectation Expected(string recording) => recording switch
    {
        "openai-chat" => new("get_capital", """{"country":"UK"}""", "", 53, 15, "The capital of the UK is London.", 78, 9),
        "anthropic" => new("updateIssueList", "{}", "I'll update the issue list for you.", 565, 48, AnthropicText(2), 47, 496),
        "gemini" => new("weather", """{"location":"San Francisco"}""", "", 29, 15 + 804,
            "There are **3** \"r\"s in strawberry.\n\nst**r**awbe**rr**y", 9, 23 + 185),
        _ => throw new ArgumentOutOfRangeException(nameof(recording)),
    };

    /// <summary>The text of a recorded Anthropic answer: its text_delta events, concatenated.</summary>
    private static string AnthropicText(int turn)
    {
        var text = new StringBuilder();
        foreach (string line in File.ReadAllLines(Path.Combine(Recordings, "anthropic", $"{turn}.chunks.txt")))
        {
            using var e = JsonDocument.Parse(line);
            if (e.RootElement.TryGetProperty("delta", out var delta) && delta.TryGetProperty("type", out var type) && type.GetString() == "text_delta")
            {
                text.Append(delta.GetProperty("text").GetString());
            }
        }

        return text.ToString();
    }

    private sealed record Turn(string Text, string? Id, string? Name, string Arguments, ChatFinishReason? Finish, ChatTokenUsage? Usage);

    private static async Task<Turn> StreamAsync(ChatClient chat, List<ChatMessage> messages, ChatCompletionOptions options, CancellationToken ct)
    {
        var text = new StringBuilder();
        var arguments = new StringBuilder();
        string? id = null, name = null;
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync(messages, options, ct))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            foreach (var call in update.ToolCallUpdates)
            {
                id ??= call.ToolCallId;
                name ??= call.FunctionName;
                if (call.FunctionArgumentsUpdate is { } chunk && !chunk.ToMemory().IsEmpty)
                {
                    arguments.Append(chunk.ToString());
                }
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        return new Turn(text.ToString(), id, name, arguments.ToString(), finish, usage);
    }

    private static string PublicModel(string recording) => recording switch
    {
        "openai-chat" => "r-openai",
        "openai-responses" => "r-responses",
        "anthropic" => "r-anthropic",
        _ => "r-gemini",
    };

    private static string Recordings => RepositoryPaths.Recordings;
}
