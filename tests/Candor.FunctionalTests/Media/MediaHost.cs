using Candor.Core.Accounts;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;

namespace Candor.FunctionalTests.Media;

/// <summary>Candor with a data directory (stored keys are billed) and a server-wide redaction policy (e-mail
/// pseudonymized, PRC ID numbers blocked) over its emulator, with a deployment for every media endpoint: on an OpenAI
/// channel, on a DeepSeek channel (no media endpoints), and on an OpenAI channel that cuts streams after two chunks.</summary>
public sealed class MediaHost : IAsyncLifetime
{
    public const string ConfigKey = "sk-media-config-0123456789abcdef";

    private CandorTestHost? _host;

    public EmulatorHost Emulator => _host!.Emulator;

    public Uri BaseAddress => _host!.BaseAddress;

    internal RelationalStore Store => _host!.Service<RelationalStore>();

    public async Task InitializeAsync() => _host = await CandorTestHost.Create()
        .Prefix("candor-media-")
        .Env("CLIENT_KEY", ConfigKey)
        .Yaml(emu => $$"""
            server:
              data_dir: data
            routing:
              all_unhealthy: try_anyway
            channels:
              - { id: oa, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
              - { id: ds, provider: deepseek, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
              - { id: cut, provider: openai, base_url: "{{emu}}/x/disconnect_after=2/v1", api_key_env: UPSTREAM_KEY }
            models:
              - { name: m-image, deployments: [{ channel: oa, model: dall-e-3 }] }
              - { name: m-image-ds, deployments: [{ channel: ds, model: dall-e-3 }] }
              - { name: m-edit, deployments: [{ channel: oa, model: gpt-image-1 }] }
              - { name: m-tts, deployments: [{ channel: oa, model: tts-1 }] }
              - { name: m-tts-cut, deployments: [{ channel: cut, model: tts-1 }] }
              - { name: m-whisper, deployments: [{ channel: oa, model: whisper-1 }] }
              - { name: m-rerank, deployments: [{ channel: oa, model: rerank-v3.5 }] }
              - { name: m-moderation, deployments: [{ channel: oa, model: omni-moderation-latest }] }
              - { name: m-chat, deployments: [{ channel: oa, model: gpt-4o-mini }] }
            privacy:
              redaction:
                default: allow
                email: pseudonymize
                cn_id: block
            keys:
              - { name: config, key_env: CLIENT_KEY }
            """)
        .StartAsync();

    /// <summary>A stored key on a new account holding <paramref name="topUpMicros"/>, usable at once.</summary>
    internal async Task<(Account Account, string Key)> CreateBilledKeyAsync(long topUpMicros, CancellationToken ct)
    {
        var account = await Store.CreateAccountAsync("media", Account.DefaultGroup, ct);
        await Store.TopUpAsync(account.Id, topUpMicros, "test", ct);
        var key = await Store.CreateKeyAsync(account.Id, "k", ApiKeyLimits.None, isOperator: false, ct);
        await _host!.Service<ApiKeyCache>().RefreshAsync(ct);
        return (account, key!.PlaintextKey);
    }

    public HttpClient CreateClient(string key = ConfigKey) => _host!.CreateClient(key);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
