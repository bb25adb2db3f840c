using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace Candor.Core.Configuration;

/// <summary>One configured upstream endpoint, resolved and validated (immutable once built).</summary>
internal sealed class ChannelSettings
{
    /// <summary>The channel's public id, safe to show clients (response headers, receipts).</summary>
    public required string Id { get; init; }

    /// <summary>The provider adapter name (openai, azure, anthropic, gemini, deepseek, qwen, moonshot, zhipu, ollama, vllm).</summary>
    public required string Provider { get; init; }

    /// <summary>The base URL as the vendor's own SDK takes it, without a trailing slash: OpenAI-compatible
    /// vendors include their version segment (https://api.openai.com/v1, https://api.deepseek.com/v1,
    /// https://dashscope.aliyuncs.com/compatible-mode/v1, https://api.moonshot.cn/v1,
    /// https://open.bigmodel.cn/api/paas/v4, http://localhost:11434/v1); Azure is the resource endpoint
    /// (https://NAME.openai.azure.com); Anthropic is https://api.anthropic.com and Gemini
    /// https://generativelanguage.googleapis.com (the adapters add /v1/… and /v1beta/…).</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>The credential, resolved from its environment variable; null for providers that need none (Ollama).
    /// Never logged, never returned by any API.</summary>
    public string? ApiKey { get; init; }

    /// <summary><c>Bearer {ApiKey}</c>, the <c>Authorization</c> value of the providers that take one, made once per
    /// channel rather than per request (null without a key).</summary>
    internal string? BearerAuthorization => string.IsNullOrEmpty(ApiKey) ? null : _bearer ??= "Bearer " + ApiKey;

    private string? _bearer;

    private ConcurrentDictionary<string, Uri>? _under;

    /// <summary>The absolute URL of <paramref name="relative"/> under <see cref="BaseUrl"/> (<see cref="Join"/>), made once
    /// per channel and path: a new <see cref="Uri"/> per request is a parse and several strings.</summary>
    internal Uri UriUnder(string relative) =>
        (_under ??= new ConcurrentDictionary<string, Uri>(StringComparer.Ordinal)).GetOrAdd(relative, static (path, baseUrl) => Join(baseUrl, path), BaseUrl);

    /// <summary>Joins a relative path under a base URL, keeping the base's path and query-free form.</summary>
    internal static Uri Join(Uri baseUrl, string relative)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        string b = baseUrl.AbsoluteUri;
        return new Uri(b.EndsWith('/') ? b + relative : b + "/" + relative, UriKind.Absolute);
    }

    /// <summary>Azure OpenAI api-version; Anthropic anthropic-version override.</summary>
    public string? ApiVersion { get; init; }

    /// <summary>Whether the channel serves OpenAI's legacy <c>POST {BaseUrl}/completions</c> for its models (<c>legacy_completions</c>):
    /// true passes a client's <c>/v1/completions</c> request through to it, false translates it to chat; null (not set)
    /// leaves it to the provider's own capability (vLLM and Ollama yes, OpenAI for its completions models only;
    /// docs/clients.md, "Legacy completions").</summary>
    public bool? LegacyCompletions { get; init; }

    /// <summary>Extra headers sent to the upstream on every request.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = FrozenDictionary<string, string>.Empty;

    /// <summary>Time allowed to open the connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed from sending the request to the response headers and first body bytes.</summary>
    public TimeSpan FirstByteTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Longest silence allowed between two reads of a streamed response.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Region where the upstream processes data (cn, us, eu…); "unknown" when not declared.</summary>
    public string Region { get; init; } = "unknown";

    /// <summary>The upstream model's registration or filing number where one exists (<c>registration:</c>), published
    /// at <c>/.well-known/candor</c>.</summary>
    public string? Registration { get; init; }

    /// <summary>The channel's declared region, retention and training use; undeclared counts as the least private.</summary>
    public Privacy.ChannelDataPolicy DataPolicy { get; init; } = Privacy.ChannelDataPolicy.Undeclared;

    /// <summary>Where the channel is defined: the configuration file (read-only through the admin API) or the database.</summary>
    public ChannelOrigin Origin { get; init; } = ChannelOrigin.Config;
}

/// <summary>Where a channel is defined.</summary>
internal enum ChannelOrigin
{
    /// <summary>The YAML configuration file; changed only by editing the file.</summary>
    Config,

    /// <summary>The database (admin API, <c>candor channels</c>); its credential is sealed under the master key.</summary>
    Stored,
}
