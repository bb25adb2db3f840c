namespace Candor.Server.Cli;

/// <summary>The options each command accepts: <see cref="CliArgs.Parse(string, string[])"/> refuses any other, so a
/// misspelled option (<c>--rmp</c>, <c>--regoin</c>) stops the command instead of being silently ignored.</summary>
internal static class CliSyntax
{
    private static readonly string[] ChannelFields =
    [
        "--provider", "--base-url", "--credential-env", "--region", "--retention", "--training", "--api-version", "--headers",
        "--header-env", "--connect-timeout-ms", "--first-byte-timeout-ms", "--idle-timeout-ms", "--deploy", "--priority", "--weight", "--data",
    ];

    private static readonly string[] PriceFields =
        ["--model", "--channel", "--input", "--output", "--cached-input", "--cache-write", "--reasoning", "--per-request", "--group", "--multiplier", "--file", "--data"];

    /// <summary>Value options and flags by command ("keys create"); a command of one word has no verb.</summary>
    private static readonly Dictionary<string, (string[] Values, string[] Flags)> Commands = new(StringComparer.Ordinal)
    {
        ["init"] = (["--data"], []),
        ["migrate"] = (["--data", "--postgres"], []),
        ["copy"] = (["--data", "--to-postgres", "--to-data"], []),
        ["accounts create"] = (["--name", "--group", "--data"], []),
        ["accounts list"] = (["--data"], []),
        ["keys create"] = (["--account", "--name", "--models", "--cidrs", "--rpm", "--tpm", "--concurrency", "--budget", "--expires", "--data"], []),
        ["keys list"] = (["--account", "--data"], []),
        ["keys revoke"] = (["--account", "--key", "--data"], []),
        ["topup"] = (["--account", "--amount", "--note", "--data"], []),
        ["usage"] = (["--account", "--key", "--limit", "--data"], []),
        ["prices list"] = (["--model", "--file", "--data"], []),
        ["prices set"] = (PriceFields, []),
        ["prices unset"] = (["--model", "--channel", "--group", "--data"], []),
        ["verify checkpoint"] = (["--checkpoint", "--key", "--origin", "--witnesses", "--quorum"], []),
        ["verify inclusion"] = (["--proof", "--key", "--entry", "--leaf-hash", "--origin", "--witnesses", "--quorum"], []),
        ["witness"] = (["--name", "--key", "--state", "--logs", "--urls"], []),
        ["monitor"] = (["--key", "--state", "--witnesses", "--quorum", "--follow"], ["--incremental"]),
        ["verify consistency"] = (["--old", "--new", "--proof", "--key"], []),
        ["verify receipt"] = (["--key", "--body", "--proof", "--log-key", "--origin", "--witnesses", "--quorum"], []),
        ["channels add"] = (["--id", .. ChannelFields], ["--credential-stdin"]),
        ["channels update"] = (["--id", .. ChannelFields], ["--credential-stdin", "--clear-credential"]),
        ["channels list"] = (["--data"], []),
        ["channels remove"] = (["--id", "--data"], []),
        ["channels enable"] = (["--id", "--data"], []),
        ["channels disable"] = (["--id", "--reason", "--data"], []),
        ["channels test"] = (["--id", "--model", "--data"], []),
        ["deployments add"] = (["--model", "--channel", "--upstream", "--priority", "--weight", "--data"], []),
        ["deployments list"] = (["--model", "--data"], []),
        ["deployments remove"] = (["--id", "--data"], []),
        ["privacy get"] = (["--account", "--key", "--data"], []),
        ["privacy set"] = (["--account", "--key", "--redaction", "--regions", "--zero-retention", "--never-train", "--data"], []),
        ["master-key rotate"] = (["--data"], []),
        ["import one-api"] = (["--from", "--quota-per-usd", "--source", "--data"], ["--dry-run"]),
        ["import new-api"] = (["--from", "--quota-per-usd", "--source", "--data"], ["--dry-run"]),
        ["codes create"] = (["--amount", "--count", "--expires", "--group", "--account", "--note", "--data"], []),
        ["codes list"] = (["--batch", "--data"], []),
        ["console invite"] = (["--principal", "--url", "--data", "--account", "--role"], ["--operator"]),
        ["config check"] = ([], []),
        ["probe"] = (["--url"], []),
        ["serve"] = (["--config", "--urls", "--data", "--log-level", "--tls-cert", "--tls-key"], ["--demo", "--no-watch"]),
    };

    /// <summary>The value options and flags of <paramref name="command"/>.</summary>
    /// <exception cref="ArgumentException">No such command or verb (the message lists the verbs there are).</exception>
    public static (string[] Values, string[] Flags) Of(string command)
    {
        if (Commands.TryGetValue(command, out var spec))
        {
            return spec;
        }

        string family = command.Split(' ')[0];
        var verbs = Commands.Keys.Where(k => k.StartsWith(family + " ", StringComparison.Ordinal)).Select(static k => k[(k.IndexOf(' ', StringComparison.Ordinal) + 1)..]).ToList();
        throw new ArgumentException(verbs.Count > 0
            ? $"unknown verb '{command}' ({string.Join(", ", verbs)})"
            : $"unknown command '{command}'. Try 'candor help'.");
    }
}
