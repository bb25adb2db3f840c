using Candor.Core.Upstream;

namespace Candor.Providers;

/// <summary>Every provider adapter this build ships. Adding a provider: a folder with its adapter, and
/// one line here (docs/providers.md).</summary>
internal static class ProviderCatalog
{
    public static IEnumerable<IProviderAdapter> All() =>
    [
        new OpenAI.OpenAIAdapter(),
        new OpenAI.OpenAIResponsesAdapter(),
        new Azure.AzureOpenAIAdapter(),
        new DeepSeek.DeepSeekAdapter(),
        new Qwen.QwenAdapter(),
        new Moonshot.MoonshotAdapter(),
        new Zhipu.ZhipuAdapter(),
        new Ollama.OllamaAdapter(),
        new Vllm.VllmAdapter(),
        new Anthropic.AnthropicAdapter(),
        new Gemini.GeminiAdapter(),
    ];
}
