using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Candor.Core.Configuration;
using Candor.Core.Upstream;
using Candor.Protocols.Canonical;
using Candor.Protocols.OpenAI;
using Candor.Providers.Azure;
using Candor.Providers.DeepSeek;
using Candor.Providers.Moonshot;
using Candor.Providers.Ollama;
using Candor.Providers.OpenAI;
using Candor.Providers.Qwen;
using Candor.Providers.Vllm;
using Candor.Providers.Zhipu;

namespace Candor.UnitTests.Providers.OpenAI;

public sealed class OpenAIFamilyAdapterTests
{
    private static ChannelSettings Channel(string provider, string baseUrl, string? key = "sk-test", string? apiVersion = null, Dictionary<string, string>? headers = null) => new()
    {
        Id = "ch1",
        Provider = provider,
        BaseUrl = new Uri(baseUrl),
        ApiKey = key,
        ApiVersion = apiVersion,
        Headers = headers ?? [],
    };

    private static ChatRequest Simple(bool stream = false)
    {
        var r = new ChatRequest { Model = "public", Stream = stream, SourceProtocol = WireProtocol.OpenAI };
        r.Messages.Add(ChatMessage.Text(ChatRole.User, "hi"));
        return r;
    }

    private static JsonNode Body(HttpRequestMessage message)
    {
        Assert.NotNull(message.Content);
        Assert.Equal("application/json", message.Content.Headers.ContentType!.MediaType);

        // ByteArrayContent reads synchronously; no await is needed.
        using var stream = message.Content.ReadAsStream();
        return JsonNode.Parse(stream)!;
    }

    [Theory]
    [InlineData(typeof(OpenAIAdapter), "openai")]
    [InlineData(typeof(AzureOpenAIAdapter), "azure")]
    [InlineData(typeof(DeepSeekAdapter), "deepseek")]
    [InlineData(typeof(QwenAdapter), "qwen")]
    [InlineData(typeof(MoonshotAdapter), "moonshot")]
    [InlineData(typeof(ZhipuAdapter), "zhipu")]
    [InlineData(typeof(OllamaAdapter), "ollama")]
    [InlineData(typeof(VllmAdapter), "vllm")]
    public void Adapters_HaveNamesAndSpeakOpenAI(Type type, string name)
    {
        var adapter = (IProviderAdapter)Activator.CreateInstance(type)!;
        Assert.Equal(name, adapter.Name);
        Assert.Equal(WireProtocol.OpenAI, adapter.Protocol);
        Assert.IsType<OpenAIChatUpstreamDecoder>(adapter.CreateDecoder(Channel(name, "http://x/v1")));
        Assert.Null(adapter.CreateCountTokensRequest(Channel(name, "http://x/v1"), "m", Simple()));
    }

    [Theory]
    [InlineData("https://api.openai.com/v1", "https://api.openai.com/v1/chat/completions")]
    [InlineData("https://api.openai.com/v1/", "https://api.openai.com/v1/chat/completions")]
    public void OpenAI_UrlBearerAndChannelHeaders(string baseUrl, string expected)
    {
        var message = new OpenAIAdapter().CreateChatRequest(Channel("openai", baseUrl, headers: new() { ["OpenAI-Organization"] = "org-1" }), "gpt-4o", Simple(stream: true));
        Assert.Equal(HttpMethod.Post, message.Method);
        Assert.Equal(expected, message.RequestUri!.AbsoluteUri);
        Assert.Equal("Bearer", message.Headers.Authorization!.Scheme);
        Assert.Equal("sk-test", message.Headers.Authorization.Parameter);
        Assert.Equal("org-1", message.Headers.GetValues("OpenAI-Organization").Single());
        var body = Body(message);
        Assert.Equal("gpt-4o", body["model"]!.GetValue<string>());
        Assert.True(body["stream_options"]!["include_usage"]!.GetValue<bool>());
    }

    [Fact]
    public void OpenAI_Embeddings()
    {
        var request = new EmbeddingRequest { Model = "public" };
        request.Inputs.Add("hello");
        var message = new OpenAIAdapter().CreateEmbeddingsRequest(Channel("openai", "https://api.openai.com/v1"), "text-embedding-3-small", request)!;
        Assert.Equal("https://api.openai.com/v1/embeddings", message.RequestUri!.AbsoluteUri);
        Assert.Equal("text-embedding-3-small", Body(message)["model"]!.GetValue<string>());
    }

    [Fact]
    public void RawForwarding_OnlyWhenUsageArrivesWithoutRewriting()
    {
        var openai = new OpenAIAdapter();
        Assert.True(openai.SupportsRawForwarding(Simple()));
        Assert.False(openai.SupportsRawForwarding(Simple(stream: true)));
        var withUsage = Simple(stream: true);
        withUsage.IncludeUsage = true;
        Assert.True(openai.SupportsRawForwarding(withUsage));
        var fromAnthropic = Simple();
        fromAnthropic.SourceProtocol = WireProtocol.Anthropic;
        Assert.False(openai.SupportsRawForwarding(fromAnthropic));
        Assert.True(new AzureOpenAIAdapter().SupportsRawForwarding(Simple()));
        Assert.True(new VllmAdapter().SupportsRawForwarding(Simple()));
        Assert.True(new OllamaAdapter().SupportsRawForwarding(Simple()));
        Assert.False(new DeepSeekAdapter().SupportsRawForwarding(Simple()));
        Assert.False(new QwenAdapter().SupportsRawForwarding(Simple()));
        Assert.False(new MoonshotAdapter().SupportsRawForwarding(Simple()));
        Assert.False(new ZhipuAdapter().SupportsRawForwarding(Simple()));
    }

    [Fact]
    public void RawRequest_UsesTheSameUrlAndAuth()
    {
        using var content = new ByteArrayContent("{}"u8.ToArray());
        var message = new OpenAIAdapter().CreateRawChatRequest(Channel("openai", "https://api.openai.com/v1"), "gpt-4o", true, content);
        Assert.Equal("https://api.openai.com/v1/chat/completions", message.RequestUri!.AbsoluteUri);
        Assert.Same(content, message.Content);
        Assert.Equal("text/event-stream", message.Headers.Accept.Single().MediaType);
    }

    [Fact]
    public void Azure_DeploymentUrlApiVersionAndApiKey()
    {
        var adapter = new AzureOpenAIAdapter();
        var message = adapter.CreateChatRequest(Channel("azure", "https://res.openai.azure.com"), "my gpt4o", Simple());
        Assert.Equal($"https://res.openai.azure.com/openai/deployments/my%20gpt4o/chat/completions?api-version={AzureOpenAIAdapter.DefaultApiVersion}", message.RequestUri!.AbsoluteUri);
        Assert.Equal("sk-test", message.Headers.GetValues("api-key").Single());
        Assert.Null(message.Headers.Authorization);
        Assert.Equal("my gpt4o", Body(message)["model"]!.GetValue<string>());

        var request = new EmbeddingRequest { Model = "e" };
        request.Inputs.Add("x");
        var emb = adapter.CreateEmbeddingsRequest(Channel("azure", "https://res.openai.azure.com/", apiVersion: "2025-01-01-preview"), "emb", request)!;
        Assert.Equal("https://res.openai.azure.com/openai/deployments/emb/embeddings?api-version=2025-01-01-preview", emb.RequestUri!.AbsoluteUri);
    }

    [Fact]
    public void DeepSeek_ReasonerDropsLogprobs_DeveloperBecomesSystem()
    {
        var r = Simple();
        r.Messages.Insert(0, ChatMessage.Text(ChatRole.Developer, "dev"));
        r.Logprobs = true;
        r.TopLogprobs = 2;
        r.Temperature = 0.5;
        r.MaxOutputTokens = 10;
        r.User = "u";
        var adapter = new DeepSeekAdapter();
        var reasoner = Body(adapter.CreateChatRequest(Channel("deepseek", "https://api.deepseek.com"), "deepseek-reasoner", r));
        Assert.Equal("https://api.deepseek.com/chat/completions", adapter.CreateChatRequest(Channel("deepseek", "https://api.deepseek.com"), "deepseek-chat", r).RequestUri!.AbsoluteUri);
        Assert.Null(reasoner["logprobs"]);
        Assert.Null(reasoner["top_logprobs"]);
        Assert.Null(reasoner["user"]);
        Assert.Equal(10, reasoner["max_tokens"]!.GetValue<int>());
        Assert.Equal("system", reasoner["messages"]![0]!["role"]!.GetValue<string>());
        var chat = Body(adapter.CreateChatRequest(Channel("deepseek", "https://api.deepseek.com"), "deepseek-chat", r));
        Assert.True(chat["logprobs"]!.GetValue<bool>());
    }

    [Fact]
    public void DeepSeek_RejectsWhatItCannotDo()
    {
        var adapter = new DeepSeekAdapter();
        var n = Simple();
        n.N = 2;
        Assert.Equal("n", adapter.CheckSupported(n)!.Param);
        var image = Simple();
        image.Messages[0].Parts.Add(ImagePart.FromUrl("https://x/y.png"));
        Assert.Equal(400, adapter.CheckSupported(image)!.StatusCode);
        Assert.Null(adapter.CheckSupported(Simple()));
        Assert.Null(adapter.CreateEmbeddingsRequest(Channel("deepseek", "https://api.deepseek.com"), "m", new EmbeddingRequest()));
    }

    [Fact]
    public void Qwen_NonStreamedTurnsThinkingOff_StreamedHonoursBudget()
    {
        var adapter = new QwenAdapter();
        var channel = Channel("qwen", "https://dashscope.aliyuncs.com/compatible-mode/v1");
        var plain = Body(adapter.CreateChatRequest(channel, "qwen3-32b", Simple()));
        Assert.False(plain["enable_thinking"]!.GetValue<bool>());

        var streamed = Simple(stream: true);
        streamed.ThinkingBudget = 2048;
        var message = adapter.CreateChatRequest(channel, "qwen-plus", streamed);
        Assert.Equal("https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions", message.RequestUri!.AbsoluteUri);
        var body = Body(message);
        Assert.True(body["enable_thinking"]!.GetValue<bool>());
        Assert.Equal(2048, body["thinking_budget"]!.GetValue<int>());
        Assert.True(body["stream_options"]!["include_usage"]!.GetValue<bool>());

        var untouched = Body(adapter.CreateChatRequest(channel, "qwen-plus", Simple(stream: true)));
        Assert.Null(untouched["enable_thinking"]);
        var qwq = Body(adapter.CreateChatRequest(channel, "qwq-plus", Simple()));
        Assert.Null(qwq["enable_thinking"]);
    }

    [Fact]
    public void Qwen_RequiredToolChoiceBecomesAuto_TopKPassesThrough()
    {
        var r = Simple();
        r.Tools.Add(new ToolDefinition("f"));
        r.ToolChoice = new ToolChoice(ToolChoiceMode.Required);
        r.TopK = 20;
        var body = Body(new QwenAdapter().CreateChatRequest(Channel("qwen", "https://dashscope.aliyuncs.com/compatible-mode/v1"), "qwen-plus", r));
        Assert.Equal("auto", body["tool_choice"]!.GetValue<string>());
        Assert.Equal(20, body["top_k"]!.GetValue<int>());
    }

    [Fact]
    public void Moonshot_ClampsTemperature_NoRequiredToolChoice_NoStreamOptions()
    {
        var r = Simple(stream: true);
        r.Temperature = 1.6;
        r.Tools.Add(new ToolDefinition("f"));
        r.ToolChoice = new ToolChoice(ToolChoiceMode.Required);
        var message = new MoonshotAdapter().CreateChatRequest(Channel("moonshot", "https://api.moonshot.cn/v1"), "kimi-k2-0905-preview", r);
        Assert.Equal("https://api.moonshot.cn/v1/chat/completions", message.RequestUri!.AbsoluteUri);
        var body = Body(message);
        Assert.Equal(1.0, body["temperature"]!.GetValue<double>());
        Assert.Equal("auto", body["tool_choice"]!.GetValue<string>());
        Assert.Null(body["stream_options"]);
        var n = Simple();
        n.N = 6;
        Assert.Equal("n", new MoonshotAdapter().CheckSupported(n)!.Param);
        n.N = 5;
        Assert.Null(new MoonshotAdapter().CheckSupported(n));
    }

    [Fact]
    public void Moonshot_SendsReasoningBack_AndK25DropsFixedSampling()
    {
        var r = Candor.UnitTests.Protocols.OpenAI.OpenAITestHelpers.Decode("""
            {"model":"m","temperature":0.3,"presence_penalty":1,"messages":[
              {"role":"user","content":"q"},
              {"role":"assistant","content":null,"reasoning_content":"plan","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"c1","content":"r"}]}
            """);
        Assert.Equal("plan", Assert.IsType<ThinkingPart>(r.Messages[1].Parts[0]).Text);
        var channel = Channel("moonshot", "https://api.moonshot.cn/v1");
        var k2 = Body(new MoonshotAdapter().CreateChatRequest(channel, "kimi-k2-thinking", r));
        Assert.Equal("plan", k2["messages"]![1]!["reasoning_content"]!.GetValue<string>());
        Assert.Equal(0.3, k2["temperature"]!.GetValue<double>());
        var k25 = Body(new MoonshotAdapter().CreateChatRequest(channel, "kimi-k2.5", r));
        Assert.Null(k25["temperature"]);
        Assert.Null(k25["presence_penalty"]);
        var openai = Body(new OpenAIAdapter().CreateChatRequest(Channel("openai", "https://api.openai.com/v1"), "gpt-4o", r));
        Assert.Null(openai["messages"]![1]!["reasoning_content"]);
    }

    [Fact]
    public void Zhipu_OnlyAutoToolChoice_UserId_SingleStop()
    {
        var adapter = new ZhipuAdapter();
        var r = Simple();
        r.Tools.Add(new ToolDefinition("a"));
        r.Tools.Add(new ToolDefinition("b"));
        r.ToolChoice = new ToolChoice(ToolChoiceMode.Specific, "b");
        r.User = "user-123456";
        r.Seed = 3;
        r.ThinkingBudget = 0;
        var message = adapter.CreateChatRequest(Channel("zhipu", "https://open.bigmodel.cn/api/paas/v4"), "glm-4.5", r);
        Assert.Equal("https://open.bigmodel.cn/api/paas/v4/chat/completions", message.RequestUri!.AbsoluteUri);
        var body = Body(message);
        Assert.Equal("auto", body["tool_choice"]!.GetValue<string>());
        Assert.Equal("b", Assert.Single(body["tools"]!.AsArray())!["function"]!["name"]!.GetValue<string>());
        Assert.Equal("user-123456", body["user_id"]!.GetValue<string>());
        Assert.Null(body["user"]);
        Assert.Null(body["seed"]);
        Assert.Equal("disabled", body["thinking"]!["type"]!.GetValue<string>());

        var stops = Simple();
        stops.Stop.AddRange(["a", "b"]);
        Assert.Equal("stop", adapter.CheckSupported(stops)!.Param);
        var none = Simple();
        none.Tools.Add(new ToolDefinition("a"));
        none.ToolChoice = new ToolChoice(ToolChoiceMode.None);
        Assert.Null(Body(adapter.CreateChatRequest(Channel("zhipu", "https://open.bigmodel.cn/api/paas/v4"), "glm-4.5", none))["tools"]);
    }

    [Fact]
    public void Ollama_NeedsNoKey_VllmKeyIsOptional()
    {
        var ollama = new OllamaAdapter().CreateChatRequest(Channel("ollama", "http://localhost:11434/v1", key: null), "llama3.2", Simple());
        Assert.Equal("http://localhost:11434/v1/chat/completions", ollama.RequestUri!.AbsoluteUri);
        Assert.Null(ollama.Headers.Authorization);
        var vllm = new VllmAdapter().CreateChatRequest(Channel("vllm", "http://gpu:8000/v1", key: "token"), "Qwen/Qwen3-8B", Simple());
        Assert.Equal("Bearer", vllm.Headers.Authorization!.Scheme);
        var n = Simple();
        n.N = 2;
        Assert.NotNull(new OllamaAdapter().CheckSupported(n));
        Assert.Null(new VllmAdapter().CheckSupported(n));
    }

    [Theory]
    [InlineData("""{"error":{"message":"x","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}""", "insufficient_quota")]
    [InlineData("""{"error":{"message":"x","code":"1301"}}""", "1301")]
    [InlineData("""{"error":{"message":"x","type":"","code":429}}""", "429")]
    [InlineData("""not json""", null)]
    [InlineData("""{"detail":"x"}""", null)]
    public void ReadErrorType_ReadsTypeThenCode(string body, string? expected) =>
        Assert.Equal(expected, new OpenAIAdapter().ReadErrorType(Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void FileParts_OnlyWhereSupported()
    {
        var r = Simple();
        r.Messages[0].Parts.Add(new FilePart { MediaType = "application/pdf", Base64Data = "JVBERi0=" });
        Assert.Null(new OpenAIAdapter().CheckSupported(r));
        Assert.NotNull(new MoonshotAdapter().CheckSupported(r));
        var byUrl = Simple();
        byUrl.Messages[0].Parts.Add(new FilePart { Url = "https://x/doc.pdf" });
        Assert.NotNull(new OpenAIAdapter().CheckSupported(byUrl));
    }

    [Fact]
    public void Embeddings_ReadBack()
    {
        var r = new OpenAIAdapter().ReadEmbeddings("""{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.25]}],"model":"m","usage":{"prompt_tokens":1,"total_tokens":1}}"""u8);
        Assert.Equal(0.25f, r.Vectors[0][0]);
    }
}
