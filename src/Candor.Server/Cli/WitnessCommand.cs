using System.Text;
using Candor.Server.Transparency;
using Candor.Transparency.Witness;

namespace Candor.Server.Cli;

/// <summary><c>candor witness --key FILE --state DIR --logs KEY,… [--name NAME] [--urls URLS]</c>: a transparency log
/// witness (c2sp.org/tlog-witness) serving <c>POST /add-checkpoint</c> with its own Ed25519 cosigning key and its own
/// state, so that an operator's customers or an industry body can run one. The key file is created (owner-only) on
/// first start under <c>--name</c>; each <c>--logs</c> item is a log's verifier key (its name is the log's origin) or
/// <c>ORIGIN=KEY</c>.</summary>
internal static class WitnessCommand
{
    /// <summary>The usage lines, for <c>candor help</c>.</summary>
    public const string Usage = """
          candor witness --key FILE --state DIR --logs LOG_KEY[,ORIGIN=LOG_KEY…] [--name NAME] [--urls URLS]
                  A witness for transparency logs (docs/transparency.md, "Witnesses"): cosigns each checkpoint
                  consistent with the last it cosigned, refuses any other (409/422). Prints its cosignature key.
        """;

    private const int MaxRequestBytes = 64 * 1024;

    public static async Task<int> RunAsync(CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        var app = await StartAsync(args, output, cancellationToken).ConfigureAwait(false);
        await using (app.ConfigureAwait(false))
        {
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>Starts the witness and returns the running application (tests stop it by disposing it).</summary>
    public static async Task<WebApplication> StartAsync(CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        var cosigner = await LoadKeyAsync(args.Require("--key"), args.Get("--name"), cancellationToken).ConfigureAwait(false);
        var logs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string item in args.List("--logs"))
        {
            int equals = item.IndexOf('=', StringComparison.Ordinal), plus = item.IndexOf('+', StringComparison.Ordinal);
            string origin = equals > 0 && equals < plus ? item[..equals] : plus > 0 ? item[..plus] : throw new ArgumentException($"--logs: '{item}' is not a log verifier key");
            logs[origin] = equals > 0 && equals < plus ? item[(equals + 1)..] : item;
        }

        if (logs.Count == 0)
        {
            cosigner.Dispose();
            throw new ArgumentException("--logs is required: the verifier keys of the logs this witness cosigns");
        }

        CheckpointWitness witness;
        try
        {
            witness = new CheckpointWitness(cosigner, logs, args.Require("--state"), TimeProvider.System);
        }
        catch (FormatException e)
        {
            cosigner.Dispose();
            throw new ArgumentException($"--logs: {e.Message}", e);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls((args.Get("--urls") ?? "http://127.0.0.1:8090").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.Services.AddSingleton(_ => witness);
        var app = builder.Build();
        app.MapPost("/add-checkpoint", AddCheckpointAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        app.Logger.WitnessStarted(cosigner.Name, cosigner.VerifierKey, logs.Count);
        await output.WriteLineAsync($"witness {cosigner.Name}: cosignature key {cosigner.VerifierKey}").ConfigureAwait(false);
        return app;
    }

    private static async Task AddCheckpointAsync(HttpContext http, CheckpointWitness witness)
    {
        using var body = new MemoryStream();
        var buffer = new byte[8192];
        int n;
        while ((n = await http.Request.Body.ReadAsync(buffer, http.RequestAborted).ConfigureAwait(false)) > 0)
        {
            body.Write(buffer, 0, n);
            if (body.Length > MaxRequestBytes)
            {
                http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }
        }

        var answer = await witness.AddCheckpointAsync(body.ToArray(), http.RequestAborted).ConfigureAwait(false);
        http.Response.StatusCode = answer.Status;
        http.Response.ContentType = answer.ContentType;
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(answer.Body), http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<Cosigner> LoadKeyAsync(string path, string? name, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            try
            {
                return Cosigner.Parse(await File.ReadAllTextAsync(path, Encoding.ASCII, cancellationToken).ConfigureAwait(false));
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"--key {path}: {e.Message}", e);
            }
        }

        var cosigner = Cosigner.Generate(name ?? throw new ArgumentException("--name is required to create the witness key (a schema-less URL such as witness.example/w1)"), out string privateKey);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var file = new FileStream(path, options);
        await using (file.ConfigureAwait(false))
        {
            await file.WriteAsync(Encoding.ASCII.GetBytes(privateKey + "\n"), cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        return cosigner;
    }
}
