namespace Candor.Core.Import;

/// <summary>Source channel types → Candor providers. The numbers are one-api's <c>relay/channeltype/define.go</c> and
/// new-api's <c>constant/channel.go</c> (they agree up to 25 and differ after); the default base URLs are their
/// <c>ChannelBaseURLs</c>. The source appends <c>/v1/chat/completions</c> (or the vendor's own path) to its base URL;
/// Candor's providers take the base URL as the vendor's SDK does, so <see cref="Entry.Suffix"/> is appended.
/// Types not listed (Baidu, Xunfei, Tencent, AWS, Vertex, Coze, Midjourney, …) have no Candor provider.</summary>
internal static class ChannelTypeMap
{
    /// <summary>A mapped type: the Candor provider, the source's default base URL ("" = none, the row must give one)
    /// and what Candor's base URL adds to the source's.</summary>
    internal sealed record Entry(string Name, string Provider, string DefaultBase, string Suffix);

    private static Entry OpenAI(string name, string defaultBase) => new(name, "openai", defaultBase, "/v1");

    private static readonly Dictionary<int, Entry> OneApi = new()
    {
        [1] = OpenAI("OpenAI", "https://api.openai.com"),
        [2] = OpenAI("API2D", "https://oa.api2d.net"),
        [3] = new("Azure", "azure", "", ""),
        [4] = OpenAI("CloseAI", "https://api.closeai-proxy.xyz"),
        [5] = OpenAI("OpenAI-SB", "https://api.openai-sb.com"),
        [6] = OpenAI("OpenAIMax", "https://api.openaimax.com"),
        [7] = OpenAI("OhMyGPT", "https://api.ohmygpt.com"),
        [8] = OpenAI("Custom", ""),
        [14] = new("Anthropic", "anthropic", "https://api.anthropic.com", ""),
        [16] = new("Zhipu", "zhipu", "https://open.bigmodel.cn", "/api/paas/v4"),
        [17] = new("Ali", "qwen", "https://dashscope.aliyuncs.com", "/compatible-mode/v1"),
        [20] = OpenAI("OpenRouter", "https://openrouter.ai/api"),
        [24] = new("Gemini", "gemini", "https://generativelanguage.googleapis.com", ""),
        [25] = new("Moonshot", "moonshot", "https://api.moonshot.cn", "/v1"),
        [28] = OpenAI("Mistral", "https://api.mistral.ai"),
        [29] = OpenAI("Groq", "https://api.groq.com/openai"),
        [30] = new("Ollama", "ollama", "http://localhost:11434", "/v1"),
        [31] = OpenAI("LingYiWanWu", "https://api.lingyiwanwu.com"),
        [32] = OpenAI("StepFun", "https://api.stepfun.com"),
        [36] = new("DeepSeek", "deepseek", "https://api.deepseek.com", "/v1"),
        [39] = OpenAI("TogetherAI", "https://api.together.xyz"),
        [44] = OpenAI("SiliconFlow", "https://api.siliconflow.cn"),
        [45] = OpenAI("xAI", "https://api.x.ai"),
        [49] = new("AliBailian", "qwen", "https://dashscope.aliyuncs.com", "/compatible-mode/v1"),
        [50] = OpenAI("OpenAICompatible", ""),
    };

    private static readonly Dictionary<int, Entry> NewApi = new()
    {
        [1] = OpenAI("OpenAI", "https://api.openai.com"),
        [3] = new("Azure", "azure", "", ""),
        [4] = new("Ollama", "ollama", "http://localhost:11434", "/v1"),
        [6] = OpenAI("OpenAIMax", "https://api.openaimax.com"),
        [7] = OpenAI("OhMyGPT", "https://api.ohmygpt.com"),
        [8] = OpenAI("Custom", ""),
        [14] = new("Anthropic", "anthropic", "https://api.anthropic.com", ""),
        [17] = new("Ali", "qwen", "https://dashscope.aliyuncs.com", "/compatible-mode/v1"),
        [20] = OpenAI("OpenRouter", "https://openrouter.ai/api"),
        [24] = new("Gemini", "gemini", "https://generativelanguage.googleapis.com", ""),
        [25] = new("Moonshot", "moonshot", "https://api.moonshot.cn", "/v1"),
        [26] = new("ZhipuV4", "zhipu", "https://open.bigmodel.cn", "/api/paas/v4"),
        [27] = new("Perplexity", "openai", "https://api.perplexity.ai", ""),
        [31] = OpenAI("LingYiWanWu", "https://api.lingyiwanwu.com"),
        [40] = OpenAI("SiliconFlow", "https://api.siliconflow.cn"),
        [42] = OpenAI("Mistral", "https://api.mistral.ai"),
        [43] = new("DeepSeek", "deepseek", "https://api.deepseek.com", "/v1"),
        [48] = OpenAI("xAI", "https://api.x.ai"),
    };

    /// <summary>The mapping of a source type, or null when Candor has no provider for it.</summary>
    public static Entry? Find(ImportFlavor flavor, int type) =>
        (flavor == ImportFlavor.OneApi ? OneApi : NewApi).GetValueOrDefault(type);

    /// <summary>Candor's base URL for a source base URL (the type's default when empty): the suffix is appended unless
    /// the URL already ends with it. Null when neither the row nor the type gives a base URL, or it is not http(s).</summary>
    public static Uri? BaseUrl(Entry entry, string? sourceBase)
    {
        string text = (string.IsNullOrWhiteSpace(sourceBase) ? entry.DefaultBase : sourceBase.Trim()).TrimEnd('/');
        if (text.Length == 0)
        {
            return null;
        }

        if (entry.Suffix.Length > 0 && !text.EndsWith(entry.Suffix, StringComparison.OrdinalIgnoreCase))
        {
            text += entry.Suffix;
        }

        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) ? uri : null;
    }
}
