namespace Candor.FunctionalTests.Audit;

/// <summary>The configuration the audit tests share (<see cref="AuditHost"/>): a data directory, channels on the
/// emulator (<c>{{emu}}</c>), the client key, audits every ten minutes, and each test's own channels, models, targets
/// and audit settings.</summary>
internal static class AuditYaml
{
    /// <summary>The reference channel most tests audit against: the emulator, honest.</summary>
    public static readonly string Trusted = OpenAi("trusted");

    /// <summary>The whole configuration. <paramref name="settings"/> are audit settings besides <c>enabled</c> and
    /// <c>interval</c>, one a line.</summary>
    public static string Config(string[] channels, string[] models, string[] targets, params string[] settings) =>
        "server:\n  data_dir: data\nchannels:\n" + Items("  - ", channels)
        + "models:\n" + Items("  - ", models)
        + "keys:\n  - { name: client, key_env: CLIENT_KEY }\n"
        + "audit:\n  enabled: true\n  interval: 10m\n" + Items("  ", settings)
        + "  targets:\n" + Items("    - ", targets);

    /// <summary>An OpenAI channel on the emulator; <paramref name="behaviour"/> is the emulator's <c>x/…/</c> path part
    /// that makes it misbehave (e.g. <c>x/serve_model=cheaper/</c>).</summary>
    public static string OpenAi(string id, string behaviour = "") =>
        "{ id: " + id + ", provider: openai, base_url: \"{{emu}}/" + behaviour + "v1\", api_key_env: UPSTREAM_KEY }";

    /// <summary>An Anthropic channel on the emulator.</summary>
    public static string Anthropic(string id) => "{ id: " + id + ", provider: anthropic, base_url: \"{{emu}}\", api_key_env: UPSTREAM_KEY }";

    /// <summary>A model served by one channel as <c>gpt-4o</c>.</summary>
    public static string Model(string name, string channel) => "{ name: " + name + ", deployments: [{ channel: " + channel + ", model: gpt-4o }] }";

    /// <summary>An audit target: <paramref name="channel"/>'s <paramref name="model"/> against <paramref name="reference"/>.</summary>
    public static string Target(string channel, string model = "gpt-4o", string reference = "trusted", string extra = "") =>
        "{ channel: " + channel + ", model: " + model + ", reference_channel: " + reference + extra + " }";

    private static string Items(string prefix, string[] items) => string.Concat(items.Select(i => prefix + i + "\n"));
}
