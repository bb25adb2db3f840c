using System.Net;
using System.Text.Json;
using Candor.Transparency.Monitor;
using Candor.Transparency.Witness;

namespace Candor.Server.Cli;

/// <summary><c>candor monitor URL --key LOG_KEY --state FILE [--witnesses KEY,… [--quorum N]] [--incremental] [--follow INTERVAL]</c>:
/// follows a log (<see cref="LogMonitor"/>) from the checkpoint last verified, kept in FILE (the roots of the tiles
/// verified in FILE.hashes). Prints one JSON object per check; exit 0 when every check held, 1 on a rollback, a fork,
/// an edited tile or bundle, a bad audit verdict, a bad checkpoint or an unavailable resource (with --follow: at the
/// first such check).</summary>
internal static class MonitorCommand
{
    /// <summary>The usage lines, for <c>candor help</c>.</summary>
    public const string Usage = """
          candor monitor URL --key LOG_KEY --state FILE [--witnesses KEY,… [--quorum N]] [--incremental] [--follow SECONDS]
                  Follow a log from the checkpoint last verified (FILE): check each new checkpoint's consistency,
                  every tile and entry bundle it downloads and the audit verdicts among the entries; exit 1 with a
                  report on a rollback, a fork, an edited file or a bad verdict. --incremental downloads only the
                  tiles that are new since FILE (an edit to a file verified before is then seen by a full check).
        """;

    public static async Task<int> RunAsync(string url, CliArgs args, TextWriter output, CancellationToken cancellationToken, HttpMessageHandler? handler = null)
    {
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var prefix) || (prefix.Scheme != Uri.UriSchemeHttp && prefix.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{url}' is not the log's http(s) URL prefix (the URL before /checkpoint)");
        }

        var key = await VerifyCommands.KeyAsync(args, cancellationToken).ConfigureAwait(false);
        var witnesses = new List<CosignatureVerifier>();
        foreach (string witness in args.List("--witnesses"))
        {
            try
            {
                witnesses.Add(CosignatureVerifier.Parse(witness));
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"--witnesses: {e.Message}", e);
            }
        }

        int quorum = args.Int("--quorum") ?? witnesses.Count;
        if (witnesses.Count > 0 && quorum > witnesses.Count)
        {
            throw new ArgumentException($"--quorum must be at most the {witnesses.Count} witnesses given");
        }

        int? follow = args.Int("--follow");
        using var http = handler is null
            ? new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.GZip }) { Timeout = TimeSpan.FromSeconds(60) }
            : new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
        var monitor = new LogMonitor(http, prefix, key, witnesses, quorum, args.Require("--state"), args.Has("--incremental"));
        while (true)
        {
            MonitorReport report;
            try
            {
                report = await monitor.CheckAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                report = new MonitorReport("unavailable", "", 0, 0, [e.Message]);
            }

            await WriteAsync(output, report).ConfigureAwait(false);
            if (!report.Ok)
            {
                return 1;
            }

            if (follow is not { } seconds)
            {
                return 0;
            }

            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task WriteAsync(TextWriter output, MonitorReport report)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("verified", report.Ok);
            w.WriteString("verdict", report.Verdict);
            w.WriteString("origin", report.Origin);
            w.WriteNumber("old_size", report.OldSize);
            w.WriteNumber("tree_size", report.NewSize);
            w.WriteString("mode", report.Mode);
            w.WriteNumber("downloaded", report.Downloaded);
            w.WriteNumber("verdicts_checked", report.VerdictsChecked);
            w.WriteStartArray("problems");
            foreach (string problem in report.Problems)
            {
                w.WriteStringValue(problem);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
    }
}
