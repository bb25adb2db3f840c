using System.Collections.Concurrent;
using System.Text.Json;
using Candor.Core.Configuration;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Candor.FunctionalTests.Operations;

/// <summary>JSON console logs for log shippers (docs/operations.md, "Logs"): <c>telemetry.log_format: json</c> or
/// <c>CANDOR_LOG_FORMAT=json</c> (which overrides the file) selects the JSON formatter; text is the default; another
/// value of the variable stops startup naming it; with JSON logs, Candor's own console lines are JSON too.</summary>
public sealed class JsonLogTests
{
    private const string Yaml = """
        channels:
          - { id: c, provider: openai, base_url: "{{emu}}/v1", api_key_env: UPSTREAM_KEY }
        models:
          - { name: m, deployments: [{ channel: c, model: gpt-4o-mini }] }
        keys:
          - { name: k, key_env: CLIENT_KEY }
        """;

    [Theory]
    [InlineData("", null, ConsoleFormatterNames.Simple)]
    [InlineData("telemetry: { log_format: json }", null, ConsoleFormatterNames.Json)]
    [InlineData("", "json", ConsoleFormatterNames.Json)]
    [InlineData("telemetry: { log_format: json }", "text", ConsoleFormatterNames.Simple)]
    public async Task LogFormat_SelectsTheConsoleFormatter(string telemetry, string? variable, string formatter)
    {
        var builder = CandorTestHost.Create().Env("CLIENT_KEY", "sk-json-logs-0123456789abcdef").Yaml(Yaml + "\n" + telemetry);
        if (variable is not null)
        {
            builder.Env("CANDOR_LOG_FORMAT", variable);
        }

        await using var host = await builder.StartAsync(Json.Timeout(60));
        Assert.Equal(formatter, host.Service<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
    }

    /// <summary>Candor as its own process with <c>CANDOR_LOG_FORMAT=json</c> and a new data directory: every line on its
    /// standard output and error is one JSON object — the logger's events and Candor's own lines alike (where it
    /// listens, the operator key printed once at the first start).</summary>
    [Fact]
    public async Task JsonLogs_EveryLineOfTheProcessIsJson_TheListeningLineToo()
    {
        var ct = Json.Timeout(120);
        await using var emulator = await EmulatorHost.StartAsync(new EmulatorOptions(), ct);
        string directory = Directory.CreateTempSubdirectory("candor-json-lines-").FullName;
        try
        {
            string config = Path.Combine(directory, "candor.yaml");
            await File.WriteAllTextAsync(config, $$"""
                server:
                  data_dir: data
                channels:
                  - { id: c, provider: openai, base_url: "{{emulator.BaseAddress}}v1", api_key_env: UPSTREAM_KEY }
                models:
                  - { name: m, deployments: [{ channel: c, model: gpt-4o-mini }] }
                """, ct);
            int port = CandorProcess.FreePort();
            var lines = new ConcurrentQueue<string>();
            using var process = CandorProcess.Start(config, port, "Information",
                new Dictionary<string, string> { ["CANDOR_LOG_FORMAT"] = "json", ["UPSTREAM_KEY"] = "unused" },
                line => { if (!string.IsNullOrEmpty(line)) lines.Enqueue(line); });
            try
            {
                using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                await CandorProcess.WaitHealthyAsync(client, ct);
                while (!lines.Any(static l => l.Contains("Candor listening on", StringComparison.Ordinal)))
                {
                    Assert.False(process.HasExited, string.Join('\n', lines));
                    await Task.Delay(50, ct);
                }
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(ct);
            }

            var messages = new List<string>();
            foreach (string line in lines)
            {
                using var json = JsonDocument.Parse(line); // throws on a text line
                Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
                Assert.Equal(JsonValueKind.String, json.RootElement.GetProperty("Timestamp").ValueKind);
                messages.Add(json.RootElement.GetProperty("Message").GetString()!);
            }

            Assert.Contains($"Candor listening on http://127.0.0.1:{port}", messages);
            Assert.Contains(messages, static m => m.StartsWith("Operator key (shown once", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task UnknownFormatInTheVariable_StopsStartup()
    {
        var e = await Assert.ThrowsAsync<ConfigException>(() => CandorTestHost.Create().Env("CLIENT_KEY", "sk-json-logs-0123456789abcdef").Yaml(Yaml).Env("CANDOR_LOG_FORMAT", "xml").StartAsync(Json.Timeout(60)));
        Assert.Contains("CANDOR_LOG_FORMAT", e.Message, StringComparison.Ordinal);
    }
}
