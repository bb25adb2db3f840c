using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Privacy;

/// <summary>Zero retention, end to end: Candor runs as its own process at log level Trace with every line of its
/// output captured to a file, and requests carrying unique canary strings go through every path — success, stream,
/// translated and fast paths, embeddings, upstream 4xx and 5xx that echo the request, a client that disconnects, a
/// first-byte timeout, invalid JSON, an unknown model, a bad key, and a kill -9 in the middle of a stream followed by
/// a restart. Afterwards not one canary is found in the data directory, the captured logs, or the metrics.</summary>
public sealed partial class CanaryTests : IAsyncLifetime
{
    private EmulatorHost _emulator = null!;
    private string _dir = null!;
    private readonly List<string> _canaries = [];
    private readonly object _logLock = new();
    private StreamWriter _log = null!;

    private string DataDir => Path.Combine(_dir, "data");

    private string LogPath => Path.Combine(_dir, "candor.log");

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { RequiredApiKey = "upstream-secret" });
        _dir = Directory.CreateTempSubdirectory("candor-canary-").FullName;
        _log = new StreamWriter(LogPath, append: true, Encoding.UTF8) { AutoFlush = true };
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        await _log.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private string Canary(string path)
    {
        string canary = $"CANARY{path}{Guid.NewGuid():N}";
        _canaries.Add(canary);
        return canary;
    }

    private Process StartCandor(string config, int port) =>
        CandorProcess.Start(config, port, "Trace", new Dictionary<string, string> { ["UPSTREAM_KEY"] = "upstream-secret", ["CLIENT_KEY"] = "sk-canary-config-key-0123456789" }, Log);

    private void Log(string? line)
    {
        if (line is not null)
        {
            lock (_logLock)
            {
                _log.WriteLine(line);
            }
        }
    }

    [GeneratedRegex(@"Operator key \(shown once; keep it safe\): (\S+)")]
    private static partial Regex OperatorKey();

    private static StringContent Chat(string model, string text, bool stream, string? reply = null) =>
        Json.Body(JsonSerializer.Serialize(new
        {
            model,
            stream,
            messages = new object[]
            {
                new { role = "system", content = "system " + text },
                new { role = "user", content = text + (reply is null ? "" : $" [[emulator:reply={reply}]]") },
            },
            tools = new[] { new { type = "function", function = new { name = "lookup", description = "tool " + text, parameters = new { type = "object" } } } },
            tool_choice = "none",
        }));

    [Fact]
    public async Task Canaries_OnEveryPath_LeaveNoTrace_InDataLogsOrMetrics()
    {
        var ct = Json.Timeout(180);
        string emu = _emulator.BaseAddress.ToString().TrimEnd('/');
        string config = Path.Combine(_dir, "candor.yaml");
        await File.WriteAllTextAsync(config, $$"""
            server: { data_dir: data, default_max_output_tokens: 200 }
            privacy: { retention: none }
            channels:
              - { id: oa, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
              - { id: an, provider: anthropic, base_url: "{{emu}}", api_key_env: UPSTREAM_KEY }
              - { id: echo400, provider: openai, base_url: "{{emu}}/x/echo_error;status=400/v1", api_key_env: UPSTREAM_KEY }
              - { id: echo500, provider: anthropic, base_url: "{{emu}}/x/echo_error;status=500", api_key_env: UPSTREAM_KEY }
              - { id: slow, provider: openai, base_url: "{{emu}}/x/latency_ms=3000/v1", api_key_env: UPSTREAM_KEY, timeouts: { first_byte: 300ms } }
              - { id: drip, provider: openai, base_url: "{{emu}}/x/chunk_ms=250;tokens=80/v1", api_key_env: UPSTREAM_KEY }
              - { id: cut, provider: openai, base_url: "{{emu}}/x/disconnect_after=3/v1", api_key_env: UPSTREAM_KEY }
              - { id: bad-sse, provider: openai, base_url: "{{emu}}/x/malformed_sse/v1", api_key_env: UPSTREAM_KEY }
            models:
              - { name: m-openai, deployments: [{ channel: oa, model: gpt-4o-mini }] }
              - { name: m-anthropic, deployments: [{ channel: an, model: claude-sonnet-4-5 }] }
              - { name: m-echo400, deployments: [{ channel: echo400, model: gpt-4o-mini }] }
              - { name: m-echo500, deployments: [{ channel: echo500, model: claude-sonnet-4-5 }] }
              - { name: m-slow, deployments: [{ channel: slow, model: gpt-4o-mini }] }
              - { name: m-drip, deployments: [{ channel: drip, model: gpt-4o-mini }] }
              - { name: m-cut, deployments: [{ channel: cut, model: gpt-4o-mini }] }
              - { name: m-bad-sse, deployments: [{ channel: bad-sse, model: gpt-4o-mini }] }
              - { name: m-embed, deployments: [{ channel: oa, model: text-embedding-3-small }] }
            keys:
              - { name: config, key_env: CLIENT_KEY }
            """, ct);

        int port = CandorProcess.FreePort();
        var candor = StartCandor(config, port);
        using var plain = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            await CandorProcess.WaitHealthyAsync(plain, ct);

            // A stored, billed key (usage records are written for it), made through the admin API.
            string operatorKey = "";
            for (int i = 0; i < 100 && operatorKey.Length == 0; i++)
            {
                operatorKey = OperatorKey().Match(await ReadLogAsync(ct)).Groups[1].Value;
                await Task.Delay(50, ct);
            }

            Assert.NotEmpty(operatorKey);
            using var admin = Client(port, operatorKey);
            string accountId = (await Json.ReadAsync(await admin.PostAsync("/admin/v1/accounts", Json.Body("""{"name":"canary"}"""), ct), ct)).GetProperty("id").GetString()!;
            (await admin.PostAsync($"/admin/v1/accounts/{accountId}/top-ups", Json.Body("""{"amount_usd":"100"}"""), ct)).Dispose();
            string key = (await Json.ReadAsync(await admin.PostAsync($"/admin/v1/accounts/{accountId}/keys", Json.Body("""{"name":"k"}"""), ct), ct)).GetProperty("key").GetString()!;
            using var client = Client(port, key);
            using var configClient = Client(port, "sk-canary-config-key-0123456789");

            // Success, plain and streamed, fast path (OpenAI → OpenAI) and translated (OpenAI → Anthropic).
            foreach (var (model, stream) in new[] { ("m-openai", false), ("m-openai", true), ("m-anthropic", false), ("m-anthropic", true) })
            {
                string c = Canary("ok");
                using var r = await client.PostAsync("/v1/chat/completions", Chat(model, c, stream, reply: "answer " + Canary("out")), ct);
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
                Assert.Contains("CANARYout", await r.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            }

            // The Anthropic surface.
            {
                string c = Canary("anthropic");
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
                {
                    Content = Json.Body(JsonSerializer.Serialize(new { model = "m-anthropic", max_tokens = 50, stream = true, system = c, messages = new[] { new { role = "user", content = c } } })),
                };
                request.Headers.Add("x-api-key", key);
                request.Headers.Add("anthropic-version", "2023-06-01");
                using var r = await plain.SendAsync(request, ct);
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
                await r.Content.ReadAsStringAsync(ct);
            }

            // Embeddings, with a configuration key and with a stored key.
            foreach (var k in new[] { configClient, client })
            {
                using var r = await k.PostAsync("/v1/embeddings", Json.Body(JsonSerializer.Serialize(new { model = "m-embed", input = new[] { Canary("embed"), Canary("embed") } })), ct);
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            }

            // Upstream errors that echo the request, plain and streamed; the client must not get the echo either.
            foreach (var (model, stream) in new[] { ("m-echo400", false), ("m-echo400", true), ("m-echo500", false), ("m-echo500", true) })
            {
                string c = Canary("echo");
                using var r = await client.PostAsync("/v1/chat/completions", Chat(model, c, stream), ct);
                Assert.False(r.IsSuccessStatusCode);
                Assert.DoesNotContain(c, await r.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            }

            // First-byte timeout; a stream cut by the upstream; a malformed event mid-stream.
            foreach (var (model, stream) in new[] { ("m-slow", false), ("m-cut", true), ("m-cut", false), ("m-bad-sse", true) })
            {
                using var r = await client.PostAsync("/v1/chat/completions", Chat(model, Canary("fault"), stream), ct);
                await r.Content.ReadAsStringAsync(ct);
            }

            // A client that disconnects mid-stream.
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Chat("m-drip", Canary("gone"), stream: true) };
                using var r = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                var body = await r.Content.ReadAsStreamAsync(ct);
                _ = await body.ReadAtLeastAsync(new byte[64], 1, throwOnEndOfStream: false, ct);
            }

            // Invalid JSON, an unknown model, a bad key, a canary in a header.
            using (var r = await client.PostAsync("/v1/chat/completions", Json.Body("{\"model\":\"m-openai\",\"messages\":[{\"role\":\"user\",\"content\":\"" + Canary("json") + "\"}"), ct))
            {
                Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            }

            using (var r = await client.PostAsync("/v1/chat/completions", Chat(Canary("model"), Canary("model"), stream: false), ct))
            {
                Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
            }

            using (var bad = Client(port, Canary("key")))
            using (var r = await bad.PostAsync("/v1/chat/completions", Chat("m-openai", Canary("badkey"), stream: false), ct))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            }

            using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Chat("m-openai", Canary("hdr"), stream: false) })
            {
                request.Headers.Add("x-canary", Canary("header"));
                request.Headers.Add("User-Agent", Canary("ua"));
                using var r = await client.SendAsync(request, ct);
            }

            // kill -9 in the middle of a stream, then a restart and one more request.
            using (var killRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Chat("m-drip", Canary("killed"), stream: true) })
            using (var r = await client.SendAsync(killRequest, HttpCompletionOption.ResponseHeadersRead, ct))
            {
                var body = await r.Content.ReadAsStreamAsync(ct);
                _ = await body.ReadAtLeastAsync(new byte[64], 1, throwOnEndOfStream: false, ct);
                candor.Kill(entireProcessTree: true);
                await candor.WaitForExitAsync(ct);
            }

            candor.Dispose();
            candor = StartCandor(config, port);
            await CandorProcess.WaitHealthyAsync(plain, ct);
            using (var r = await client.PostAsync("/v1/chat/completions", Chat("m-openai", Canary("restart"), stream: true), ct))
            {
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
                await r.Content.ReadAsStringAsync(ct);
            }

            // Metrics: whatever the server exposes.
            string metrics = "";
            using (var m = await plain.GetAsync("/metrics", ct))
            {
                if (m.IsSuccessStatusCode)
                {
                    metrics = await m.Content.ReadAsStringAsync(ct);
                }
            }

            // The usage journal did record the requests (so the data directory was really written to).
            using (var usage = await client.GetAsync("/v1/usage?limit=100", ct))
            {
                Assert.True((await Json.ReadAsync(usage, ct)).GetProperty("data").GetArrayLength() >= 10);
            }

            candor.Kill(entireProcessTree: true);
            await candor.WaitForExitAsync(ct);

            string logs = await ReadLogAsync(ct);
            Assert.Contains("Request req_", logs, StringComparison.Ordinal);
            Assert.True(_canaries.Count > 30);
            var found = new List<string>();
            foreach (string canary in _canaries)
            {
                if (logs.Contains(canary, StringComparison.Ordinal))
                {
                    found.Add($"log: {canary}");
                }

                if (metrics.Contains(canary, StringComparison.Ordinal))
                {
                    found.Add($"metrics: {canary}");
                }

                byte[] bytes = Encoding.UTF8.GetBytes(canary);
                byte[] utf16 = Encoding.Unicode.GetBytes(canary);
                foreach (string file in Directory.EnumerateFiles(DataDir, "*", SearchOption.AllDirectories))
                {
                    byte[] content = await File.ReadAllBytesAsync(file, ct);
                    if (content.AsSpan().IndexOf(bytes) >= 0 || content.AsSpan().IndexOf(utf16) >= 0)
                    {
                        found.Add($"{Path.GetFileName(file)}: {canary}");
                    }
                }
            }

            Assert.Empty(found);
        }
        finally
        {
            if (!candor.HasExited)
            {
                candor.Kill(entireProcessTree: true);
            }

            candor.Dispose();
        }
    }

    private async Task<string> ReadLogAsync(CancellationToken ct)
    {
        lock (_logLock)
        {
            _log.Flush();
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(ct);
    }

    private static HttpClient Client(int port, string key)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
