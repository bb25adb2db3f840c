using System.Globalization;
using System.Net;
using System.Text.Json;
using Candor.Core.Receipts;
using Candor.FunctionalTests.Infrastructure;
using Candor.Server.Cli;

namespace Candor.FunctionalTests.Receipts;

/// <summary>Batch signing through the real server: requests sealed while the signing loop is held share one signature;
/// every receipt is stored once (a metered one with its usage record and charge), verifies under the published key by
/// the independent verifier and by <c>candor verify receipt</c>, and a changed byte fails both verifiers.</summary>
public sealed class BatchReceiptTests(ReceiptHost host) : IClassFixture<ReceiptHost>
{
    private const string Chat = """{"model":"m-openai","messages":[{"role":"user","content":"batch"}]}""";

    [Fact]
    public async Task ConcurrentRequests_ShareOneSignature_EachReceiptVerifiesIndependently_AndByTheCli()
    {
        var ct = Json.Timeout(60);
        string stored = await host.CreateStoredKeyAsync(ct);
        string key = await VerifierKeyAsync(ct);
        var batch = host.Receipts.BatchSigner!;
        var sends = new List<Task<(HttpResponseMessage Response, string Key)>>();
        using (await batch.HoldAsync(ct))
        {
            foreach (string client in (string[])[ReceiptHost.Alice, ReceiptHost.Bob, stored, ReceiptHost.Alice, stored, ReceiptHost.Bob])
            {
                sends.Add(SendAsync(client, ct));
            }

            // Every response waits for its receipt, and every receipt for the held loop.
            while (batch.Waiting < sends.Count)
            {
                await Task.Delay(10, ct);
            }
        }

        var signatures = new HashSet<string>();
        var indices = new HashSet<int>();
        byte[]? sample = null;
        foreach (var send in sends)
        {
            var (response, client) = await send;
            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                string id = response.Headers.GetValues(ReceiptService.Header).Single();
                byte[] raw = await FetchAsync(client, id, ct);
                Assert.True(IndependentReceiptVerifier.Verify(raw, key));
                var result = ReceiptVerifier.Verify(raw, key);
                Assert.True(result.Valid, result.Reason);
                using var doc = result.Receipt!;
                var signature = doc.RootElement.GetProperty("signature");
                Assert.Equal(ReceiptBatch.Algorithm, signature.GetProperty("alg").GetString());
                Assert.Equal(sends.Count, signature.GetProperty("batch").GetProperty("size").GetInt32());
                indices.Add(signature.GetProperty("batch").GetProperty("index").GetInt32());
                signatures.Add(signature.GetProperty("sig").GetString()!);
                var receipt = doc.RootElement.GetProperty("receipt");
                Assert.Equal(1, await host.CountReceiptsAsync(receipt.GetProperty("request_id").GetString()!));
                if (client == stored)
                {
                    // Usage, charge and receipt in one transaction: the charge the client was told is the receipt's.
                    Assert.Equal("metered", receipt.GetProperty("metering").GetString());
                    Assert.Equal(long.Parse(response.Headers.GetValues("x-candor-charge-micros").Single(), CultureInfo.InvariantCulture),
                        receipt.GetProperty("charge").GetProperty("micros").GetInt64());
                }

                sample ??= raw;
            }
        }

        Assert.Single(signatures);
        Assert.Equal(Enumerable.Range(0, sends.Count), indices.Order());
        await VerifyWithTheCliAsync(sample!, key);

        var rng = new Random(11);
        for (int n = 0; n < 200; n++)
        {
            byte[] changed = (byte[])sample!.Clone();
            changed[rng.Next(changed.Length)] ^= (byte)(1 << rng.Next(7));
            Assert.False(IndependentReceiptVerifier.Verify(changed, key));
            var result = ReceiptVerifier.Verify(changed, key);
            result.Receipt?.Dispose();
            Assert.False(result.Valid);
        }
    }

    private async Task VerifyWithTheCliAsync(byte[] raw, string key)
    {
        string dir = Directory.CreateTempSubdirectory("candor-verify-batch-").FullName;
        try
        {
            string file = Path.Combine(dir, "receipt.json");
            await File.WriteAllBytesAsync(file, raw);
            var output = new StringWriter();
            Assert.Equal(0, await CandorCli.RunAsync(["verify", "receipt", file, "--key", key], output, output, default).WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Contains("signature: ok", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("batch: ok", output.ToString(), StringComparison.Ordinal);

            byte[] tampered = (byte[])raw.Clone();
            int at = raw.AsSpan().IndexOf("\"index\":"u8) + "\"index\":".Length;
            tampered[at] = (byte)(tampered[at] == (byte)'0' ? '1' : '0');
            await File.WriteAllBytesAsync(file, tampered);
            Assert.Equal(1, await CandorCli.RunAsync(["verify", "receipt", file, "--key", key], output, output, default).WaitAsync(TimeSpan.FromSeconds(20)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private async Task<(HttpResponseMessage, string)> SendAsync(string key, CancellationToken ct)
    {
        using var client = host.CreateClient(key);
        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Chat), ct);
        await response.Content.LoadIntoBufferAsync(ct);
        return (response, key);
    }

    private async Task<byte[]> FetchAsync(string key, string id, CancellationToken ct)
    {
        using var client = host.CreateClient(key);
        using var response = await client.GetAsync("/v1/receipts/" + id, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync(ct);
    }

    private async Task<string> VerifierKeyAsync(CancellationToken ct)
    {
        using var client = host.CreateClient(ReceiptHost.Alice);
        var wellKnown = await Json.ReadAsync(await client.GetAsync("/.well-known/candor", ct), ct);
        return wellKnown.GetProperty("receipt_keys")[0].GetProperty("verifier_key").GetString()!;
    }
}
