using Candor.Core.Configuration;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Candor.FunctionalTests.Operations;

/// <summary>JSON console logs for log shippers (docs/operations.md, "Logs"): <c>telemetry.log_format: json</c> or
/// <c>CANDOR_LOG_FORMAT=json</c> (which overrides the file) selects the JSON formatter; text is the default; another
/// value of the variable stops startup naming it.</summary>
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

    [Fact]
    public async Task UnknownFormatInTheVariable_StopsStartup()
    {
        var e = await Assert.ThrowsAsync<ConfigException>(() => CandorTestHost.Create().Env("CLIENT_KEY", "sk-json-logs-0123456789abcdef").Yaml(Yaml).Env("CANDOR_LOG_FORMAT", "xml").StartAsync(Json.Timeout(60)));
        Assert.Contains("CANDOR_LOG_FORMAT", e.Message, StringComparison.Ordinal);
    }
}
