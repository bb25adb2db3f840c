using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Candor.Core.Configuration;
using Candor.Transparency.Log;
using Candor.Transparency.Witness;

namespace Candor.Server.Transparency;

/// <summary>Submits each new checkpoint of the log to the configured witnesses (c2sp.org/tlog-witness
/// <c>add-checkpoint</c>) with a consistency proof from the size each witness last cosigned, and publishes the
/// checkpoint with every valid cosignature appended (<see cref="CosignedCheckpoint"/>). A witness's 409 tells the size
/// it holds; the submission is retried once from there. Witnesses are asked one after the other, off the request path.</summary>
internal sealed class WitnessSubmitter : BackgroundService
{
    private readonly IPublishedLog _log;
    private readonly CosignedCheckpoint _published;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger<WitnessSubmitter> _logger;
    private readonly List<(LogWitness Config, CosignatureVerifier Verifier)> _witnesses;
    private readonly long[] _held;

    public WitnessSubmitter(IPublishedLog log, IReadOnlyList<LogWitness> witnesses, CosignedCheckpoint published, HttpClient http, TimeProvider time, ILogger<WitnessSubmitter> logger)
    {
        _log = log;
        _published = published;
        _http = http;
        _time = time;
        _logger = logger;
        _witnesses = [.. witnesses.Select(static w => (w, CosignatureVerifier.Parse(w.Key)))];
        _held = new long[_witnesses.Count];
    }

    /// <summary>Checks every witness key before the server starts, as a configuration error.</summary>
    public static void Validate(IReadOnlyList<LogWitness> witnesses)
    {
        foreach (var witness in witnesses)
        {
            try
            {
                CosignatureVerifier.Parse(witness.Key);
            }
            catch (FormatException e)
            {
                throw new ConfigException($"server.log_witnesses: {witness.Url}: {e.Message}");
            }
        }
    }

    /// <summary>Submits <paramref name="checkpoint"/> to every witness and publishes what they cosigned; returns the
    /// number of valid cosignatures.</summary>
    public async Task<int> SubmitAsync(byte[] checkpoint, long size, CancellationToken cancellationToken)
    {
        var cosigned = new StringBuilder(Encoding.UTF8.GetString(checkpoint));
        int count = 0;
        for (int i = 0; i < _witnesses.Count; i++)
        {
            string? line = await CosignAsync(i, checkpoint, size, cancellationToken).ConfigureAwait(false);
            if (line is not null)
            {
                cosigned.Append(line);
                count++;
            }
        }

        if (count > 0)
        {
            _published.Publish(checkpoint, Encoding.UTF8.GetBytes(cosigned.ToString()));
        }

        _logger.CheckpointCosigned(size, count, _witnesses.Count);
        return count;
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromMilliseconds(Math.Max(100, _log.MaxMergeDelay.TotalMilliseconds / 4));
        byte[] submitted = [];
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                byte[] checkpoint = _log.Checkpoint;
                if (!checkpoint.AsSpan().SequenceEqual(submitted))
                {
                    await SubmitAsync(checkpoint, SizeOf(checkpoint), stoppingToken).ConfigureAwait(false);
                    submitted = checkpoint;
                }

                await Task.Delay(period, _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>The size line of a checkpoint note (its second line).</summary>
    private static long SizeOf(byte[] checkpoint)
    {
        string[] lines = Encoding.UTF8.GetString(checkpoint).Split('\n', 3);
        return lines.Length > 1 && long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out long size) ? size : 0;
    }

    private async Task<string?> CosignAsync(int index, byte[] checkpoint, long size, CancellationToken cancellationToken)
    {
        var (config, verifier) = _witnesses[index];
        for (int attempt = 0; attempt < 2; attempt++)
        {
            long old = _held[index];
            if (old > size)
            {
                _logger.WitnessAhead(verifier.Name, old, size);
                return null;
            }

            var body = new StringBuilder().Append(CultureInfo.InvariantCulture, $"old {old}\n");
            if (old > 0 && old < size)
            {
                foreach (byte[] hash in _log.ConsistencyProof(old, size).Proof)
                {
                    body.Append(Convert.ToBase64String(hash)).Append('\n');
                }
            }

            body.Append('\n').Append(Encoding.UTF8.GetString(checkpoint));
            HttpResponseMessage response;
            string answer;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(config.Url.ToString().TrimEnd('/') + "/add-checkpoint"))
                {
                    Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToString())),
                };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
                response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                using (response)
                {
                    answer = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                _logger.WitnessRefused(verifier.Name, size, e.Message);
                return null;
            }

            int status = (int)response.StatusCode;
            if (status == 409 && long.TryParse(answer.TrimEnd('\n'), NumberStyles.None, CultureInfo.InvariantCulture, out long held) && held != old)
            {
                _held[index] = held;
                continue;
            }

            if (status != 200)
            {
                _logger.WitnessRefused(verifier.Name, size, $"status {status}");
                return null;
            }

            // Only lines that verify under the configured key are kept (the spec: ignore unknown keys).
            foreach (string line in answer.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (verifier.TryVerify(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(checkpoint) + line + "\n"), out _))
                {
                    _held[index] = size;
                    return line + "\n";
                }
            }

            _logger.WitnessRefused(verifier.Name, size, "no valid cosignature in the answer");
            return null;
        }

        _logger.WitnessRefused(verifier.Name, size, "it holds another size after a retry");
        return null;
    }
}
