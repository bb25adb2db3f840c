using Candor.Core.Configuration;

namespace Candor.UnitTests.Core.Configuration;

public sealed class AdmissionSettingsTests
{
    private const string Rest = """
        channels:
          - { id: oa, provider: openai, base_url: "https://api.openai.com/v1/", api_key_env: OPENAI_KEY }
        models:
          - { name: gpt, deployments: [{ channel: oa, model: gpt-4o-mini }] }
        keys:
          - { name: dev, key_env: CLIENT_KEY }
        """;

    private static CandorConfig Load(string server) =>
        new ConfigLoader(new HashSet<string> { "openai" }, n => n is "OPENAI_KEY" or "CLIENT_KEY" ? "sk-0123456789abcdefghij" : null)
            .Load("server:\n" + server + "\n" + Rest, "test.yaml");

    [Fact]
    public void Defaults_BoundEveryResource()
    {
        var admission = Load("  fast_path: true").Admission;
        Assert.Equal(256, admission.MaxInFlightRequests);
        Assert.Equal(128, admission.MaxOpenStreams);
        Assert.Equal(256L * 1024 * 1024, admission.MaxBufferedRequestBytes);
        Assert.Equal(TimeSpan.FromSeconds(60), admission.RequestBodyTimeout);
        Assert.Equal(4096, admission.MaxConnections);
    }

    [Fact]
    public void Settings_AreReadFromTheServerSection()
    {
        var admission = Load("""
              max_in_flight_requests: 64
              max_open_streams: 32
              max_buffered_request_bytes: 67108864
              request_body_timeout: 15s
              max_connections: 1000
            """).Admission;
        Assert.Equal(64, admission.MaxInFlightRequests);
        Assert.Equal(32, admission.MaxOpenStreams);
        Assert.Equal(64L * 1024 * 1024, admission.MaxBufferedRequestBytes);
        Assert.Equal(TimeSpan.FromSeconds(15), admission.RequestBodyTimeout);
        Assert.Equal(1000, admission.MaxConnections);
    }

    [Theory]
    [InlineData("  max_in_flight_requests: 0", "server.max_in_flight_requests: expected an integer")]
    [InlineData("  request_body_timeout: never", "server.request_body_timeout: expected a positive duration")]
    [InlineData("  max_request_bytes: 4096\n  max_buffered_request_bytes: 2048", "server.max_buffered_request_bytes: must be at least server.max_request_bytes (4096)")]
    public void InvalidSettings_StopTheStartWithTheirPath(string server, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Load(server));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
