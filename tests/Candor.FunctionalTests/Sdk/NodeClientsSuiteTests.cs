using System.Diagnostics;
using System.Text;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace Candor.FunctionalTests.Sdk;

/// <summary>The Node client-compatibility suite (clients/node/suite.mjs: the official <c>openai</c>,
/// <c>@anthropic-ai/sdk</c> and <c>@google/genai</c> SDKs and the Vercel AI SDK, versions pinned by its
/// package-lock.json) against a Candor whose upstreams are the emulator on every upstream wire: OpenAI chat completions,
/// OpenAI with its Responses API (<c>openai-responses</c>: the Responses surface's same-wire path), Anthropic and
/// Gemini; and recorded real vendor streams (tests/Recordings, replayed byte for byte by the emulator's
/// <c>/replay/NAME/</c>) as the upstream of each wire, where every client's tool loop must see what the recording carries.
/// The suite prints its clients × wires matrix; any failing cell fails the test.</summary>
public sealed class NodeClientsSuiteTests(NodeClientsSuiteTests.Host host, ITestOutputHelper output) : IClassFixture<NodeClientsSuiteTests.Host>
{
    /// <summary>Which public model serves each upstream wire: plain chat, thinking (an OpenAI-wire upstream thinks only
    /// with a reasoning model), embeddings (Anthropic has none); <c>state</c>: the upstream keeps Responses state;
    /// <c>reasoningTokens</c>/<c>embedUsage</c> false: the upstream reports no such count (Anthropic's thinking is inside
    /// its output tokens, Gemini's embeddings carry no usage).</summary>
    private const string Wires = """
        {"openai": {"chat": "m-openai", "think": "m-reasoner", "embed": "m-embed", "completions": "m-vllm"},
         "openai-responses": {"chat": "m-responses", "think": "m-responses-reasoner", "embed": "m-embed", "state": true},
         "anthropic": {"chat": "m-anthropic", "think": "m-anthropic", "embed": null, "reasoningTokens": false},
         "gemini": {"chat": "m-gemini", "think": "m-gemini", "embed": "m-embed-gemini", "embedUsage": false}}
        """;

    /// <summary>The recorded upstreams: per wire, the model whose only deployment replays the recording (a directory of
    /// tests/Recordings).</summary>
    private static readonly (string Wire, string Model, string Recording)[] Recorded =
    [
        ("openai", "r-openai", "openai-chat"),
        ("openai-responses", "r-responses", "openai-responses"),
        ("anthropic", "r-anthropic", "anthropic"),
        ("gemini", "r-gemini", "gemini"),
    ];

    public const string Key = "sk-node-suite-0123456789abcdef";

    /// <summary>Candor over one emulator, with a model per upstream wire.</summary>
    public sealed class Host : IAsyncLifetime
    {
        private CandorTestHost? _host;

        public Uri BaseAddress => _host!.BaseAddress;

        public async Task InitializeAsync() => _host = await CandorTestHost.Create()
            .Prefix("candor-node-")
            .Emulator(new EmulatorOptions { RequiredApiKey = CandorTestHost.UpstreamSecret, RecordingsDirectory = RecordingsDirectory })
            .Yaml("""
                channels:
                  - { id: oa, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                  - { id: or, provider: openai-responses, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                  - { id: ds, provider: deepseek, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                  - { id: vl, provider: vllm, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                  - { id: an, provider: anthropic, base_url: "{{emu}}", api_key_env: UPSTREAM_KEY }
                  - { id: ge, provider: gemini, base_url: "{{emu}}", api_key_env: UPSTREAM_KEY }
                  - { id: rec-oa, provider: openai, base_url: "{{emu}}/replay/openai-chat/v1", api_key_env: UPSTREAM_KEY }
                  - { id: rec-or, provider: openai-responses, base_url: "{{emu}}/replay/openai-responses/v1", api_key_env: UPSTREAM_KEY }
                  - { id: rec-an, provider: anthropic, base_url: "{{emu}}/replay/anthropic", api_key_env: UPSTREAM_KEY }
                  - { id: rec-ge, provider: gemini, base_url: "{{emu}}/replay/gemini", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: m-openai, deployments: [{ channel: oa, model: gpt-4o-mini }] }
                  - { name: m-reasoner, deployments: [{ channel: ds, model: deepseek-reasoner }] }
                  - { name: m-vllm, deployments: [{ channel: vl, model: qwen2.5-7b-instruct }] }
                  - { name: m-responses, deployments: [{ channel: or, model: gpt-4o-mini }] }
                  - { name: m-responses-reasoner, deployments: [{ channel: or, model: gpt-5-reasoner }] }
                  - { name: m-anthropic, deployments: [{ channel: an, model: claude-sonnet-4-5 }] }
                  - { name: m-gemini, deployments: [{ channel: ge, model: gemini-2.5-flash }] }
                  - { name: m-embed, deployments: [{ channel: oa, model: text-embedding-3-small }] }
                  - { name: m-embed-gemini, deployments: [{ channel: ge, model: text-embedding-004 }] }
                  - { name: r-openai, deployments: [{ channel: rec-oa, model: gpt-4o-mini }] }
                  - { name: r-responses, deployments: [{ channel: rec-or, model: gpt-5.1-codex-max }] }
                  - { name: r-anthropic, deployments: [{ channel: rec-an, model: claude-sonnet-4-5 }] }
                  - { name: r-gemini, deployments: [{ channel: rec-ge, model: gemini-3-pro-preview }] }
                keys:
                  - { name: node, key_env: CLIENT_KEY }
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

    [Fact]
    public async Task NodeSdks_OnEveryWire_PassEveryCell()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        string suite = Path.Combine(RepositoryPaths.Root, "clients", "node");
        if (!Directory.Exists(Path.Combine(suite, "node_modules")))
        {
            // .ci/run installs the packages beforehand (npm ci into a cache); a developer's first run does it here.
            var (installCode, installOut) = await RunAsync(suite, "npm", ["ci", "--no-audit", "--no-fund"], [], timeout.Token);
            Assert.True(installCode == 0, "npm ci failed:\n" + installOut);
        }

        var (code, text) = await RunAsync(suite, "node", ["suite.mjs"],
        [
            ("CANDOR_BASE_URL", host.BaseAddress.ToString()),
            ("CANDOR_KEY", Key),
            ("CANDOR_WIRES", Wires),
            ("CANDOR_RECORDED", RecordedJson()),
        ], timeout.Token);
        output.WriteLine(text);
        Assert.True(code == 0, "The client-compatibility suite failed:\n" + text);
        Assert.Contains(" 0 failed", text, StringComparison.Ordinal);
    }

    private static string RecordingsDirectory => RepositoryPaths.Recordings;

    private static string RecordedJson() => System.Text.Json.JsonSerializer.Serialize(
        Recorded.ToDictionary(static r => r.Wire, static r => new Dictionary<string, string>
        {
            ["model"] = r.Model,
            ["dir"] = Path.Combine(RecordingsDirectory, r.Recording),
        }));

    private static async Task<(int Code, string Output)> RunAsync(string directory, string file, string[] args,
        (string Name, string Value)[] environment, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        info.Environment["NO_UPDATE_NOTIFIER"] = "1";
        using var process = Process.Start(info)!;
        var text = new StringBuilder();
        var gate = new object();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (gate) { text.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (gate) { text.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        process.WaitForExit();
        lock (gate)
        {
            return (process.ExitCode, text.ToString());
        }
    }
}
