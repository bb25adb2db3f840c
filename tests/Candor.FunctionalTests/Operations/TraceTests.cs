using System.Diagnostics;
using System.Net.Http.Headers;
using Candor.Core.Accounts;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Candor.FunctionalTests.Operations;

/// <summary>OpenTelemetry traces (docs/operations.md, "Traces"), captured by the in-memory exporter: a request has its
/// request, upstream, settlement and receipt spans in one new trace (not the client's), with the GenAI conventions'
/// attribute names, and no attribute holds content, a key or the client's trace id. Off by default.</summary>
public sealed class TraceTests
{
    private const string Channels = """
        server:
          data_dir: data
        channels:
          - { id: tr-oa, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
        models:
          - { name: tr-model, deployments: [{ channel: tr-oa, model: gpt-4o-mini }] }
        """;

    [Fact]
    public async Task TracesOn_StageSpansWithGenAiAttributes_NoContentNoKey()
    {
        var ct = Json.Timeout(90);
        var spans = new SpanList();
        await using var host = await CandorTestHost.Create()
            .Bootstrap()
            .Yaml(Channels + "\ntelemetry: { traces: true }")
            .Services(s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)))
            .StartAsync(ct);
        string secret = await StoredKeyAsync(host, ct);
        string marker = $"trace-content-{Guid.NewGuid():N}";
        string clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";

        using var client = host.CreateClient(secret);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body($$"""{"model":"tr-model","messages":[{"role":"user","content":"{{marker}}"}]}"""),
        };
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{clientTrace}-00f067aa0ba902b7-01");
        using var response = await client.SendAsync(request, ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(ct));
        await response.Content.ReadAsStringAsync(ct);

        // The request span ends when the response is done: wait for it.
        Activity? root = null;
        for (int i = 0; i < 100 && root is null; i++)
        {
            root = spans.Snapshot().FirstOrDefault(static a => a.OperationName == "candor.request" && (a.GetTagItem("gen_ai.request.model") as string) == "tr-model");

            if (root is null)
            {
                await Task.Delay(50, ct);
            }
        }

        Assert.NotNull(root);
        var trace = spans.Snapshot().Where(a => a.TraceId == root.TraceId).ToArray();

        Assert.NotEqual(clientTrace, root.TraceId.ToHexString());
        Assert.Equal(default, root.ParentSpanId);
        Assert.Equal(ActivityKind.Server, root.Kind);
        Assert.Equal("openai", root.GetTagItem("candor.surface"));
        Assert.Equal("fast", root.GetTagItem("candor.path"));
        Assert.Equal(200, root.GetTagItem("http.response.status_code"));

        var upstream = Assert.Single(trace, static a => a.OperationName == "candor.upstream");
        Assert.Equal(ActivityKind.Client, upstream.Kind);
        Assert.Equal("openai", upstream.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("tr-oa", upstream.GetTagItem("candor.channel"));
        Assert.Equal(root.SpanId, upstream.ParentSpanId);

        var settle = Assert.Single(trace, static a => a.OperationName == "candor.settle");
        Assert.True((long)settle.GetTagItem("gen_ai.usage.input_tokens")! > 0);
        Assert.True((long)settle.GetTagItem("gen_ai.usage.output_tokens")! > 0);
        Assert.Equal(settle.GetTagItem("gen_ai.usage.input_tokens"), root.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Contains(trace, static a => a.OperationName == "candor.receipt");

        foreach (var span in trace)
        {
            foreach (var (name, value) in span.TagObjects)
            {
                string text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                Assert.DoesNotContain(marker, text, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
                Assert.DoesNotContain(clientTrace, text, StringComparison.Ordinal);
                Assert.DoesNotContain("/v1", text, StringComparison.Ordinal);
            }

            Assert.Empty(span.Baggage);
        }

        // Still nothing goes upstream: no trace context on the emulator's side.
        var sent = Assert.Single(host.Emulator.Journal.All, e => e.BodyText.Contains(marker, StringComparison.Ordinal));
        Assert.Null(sent.Header("traceparent"));
    }

    [Fact]
    public async Task TracesOff_ByDefault_NoSpans()
    {
        var ct = Json.Timeout(90);
        await using var host = await CandorTestHost.Create()
            .Yaml("""
                channels:
                  - { id: tr-off, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: tr-off-model, deployments: [{ channel: tr-off, model: gpt-4o-mini }] }
                keys:
                  - { name: k, key_env: CLIENT_KEY }
                """)
            .Env("CLIENT_KEY", "sk-trace-off-0123456789abcdef")
            .StartAsync(ct);
        Assert.Null(host.Services.GetService(typeof(TracerProvider)));
        var (status, text) = await host.SendAsync("sk-trace-off-0123456789abcdef", HttpMethod.Post, "/v1/chat/completions",
            """{"model":"tr-off-model","messages":[{"role":"user","content":"x"}]}""", ct);
        Assert.True(status == 200, text);
    }

    [Fact]
    public async Task TracesOff_RequestsRunWithoutHostingActivity()
    {
        // ASP.NET Core's hosting starts an Activity per request while its diagnostics logger is enabled; Candor filters
        // that logger off, so with nobody listening a request runs with no Activity at all.
        var ct = Json.Timeout(90);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var host = await CandorTestHost.Create()
            .Yaml("""
                channels:
                  - { id: tr-none, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: tr-none-model, deployments: [{ channel: tr-none, model: gpt-4o-mini }] }
                keys:
                  - { name: k, key_env: CLIENT_KEY }
                """)
            .Env("CLIENT_KEY", "sk-trace-none-0123456789abcdef")
            .Services(s => s.AddSingleton<IStartupFilter>(new ActivityProbe(seen)))
            .StartAsync(ct);
        for (int i = 0; i < 3; i++)
        {
            var (status, text) = await host.SendAsync("sk-trace-none-0123456789abcdef", HttpMethod.Post, "/v1/chat/completions",
                """{"model":"tr-none-model","messages":[{"role":"user","content":"x"}]}""", ct);
            Assert.True(status == 200, text);
        }

        Assert.Equal(3, seen.Count(static s => s.StartsWith("/v1/chat/completions", StringComparison.Ordinal)));
        Assert.All(seen, static s => Assert.EndsWith(" -", s, StringComparison.Ordinal));
    }

    private static async Task<string> StoredKeyAsync(CandorTestHost host, CancellationToken ct)
    {
        var store = host.Service<RelationalStore>();
        var account = await store.CreateAccountAsync("traces", Account.DefaultGroup, ct);
        await store.TopUpAsync(account.Id, 100_000_000, "test", ct);
        var key = await store.CreateKeyAsync(account.Id, "k", ApiKeyLimits.None, isOperator: false, ct);
        await host.Service<ApiKeyCache>().RefreshAsync(ct);
        return key!.PlaintextKey;
    }

    /// <summary>Records, for every request, its path and the operation name of the Activity current when the
    /// pipeline starts ("-" for none).</summary>
    private sealed class ActivityProbe(System.Collections.Concurrent.ConcurrentQueue<string> seen) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                seen.Enqueue($"{context.Request.Path} {Activity.Current?.OperationName ?? "-"}");
                await nextMiddleware(context);
            });
            next(app);
        };
    }

    /// <summary>The exporter's collection, safe to read while other hosts' spans are added (every host in the process
    /// shares the activity source).</summary>
    private sealed class SpanList : ICollection<Activity>
    {
        private readonly List<Activity> _items = [];

        public int Count
        {
            get
            {
                lock (_items)
                {
                    return _items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public Activity[] Snapshot()
        {
            lock (_items)
            {
                return [.. _items];
            }
        }

        public void Add(Activity item)
        {
            lock (_items)
            {
                _items.Add(item);
            }
        }

        public void Clear()
        {
            lock (_items)
            {
                _items.Clear();
            }
        }

        public bool Contains(Activity item) => Snapshot().Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

        public bool Remove(Activity item)
        {
            lock (_items)
            {
                return _items.Remove(item);
            }
        }

        public IEnumerator<Activity> GetEnumerator() => ((IEnumerable<Activity>)Snapshot()).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
