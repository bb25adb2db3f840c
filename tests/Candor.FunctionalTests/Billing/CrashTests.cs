using System.Net;
using System.Text.Json;
using Candor.Core.Accounts;
using Candor.FunctionalTests.Infrastructure;

namespace Candor.FunctionalTests.Billing;

/// <summary>kill -9 under load loses no usage record and no receipt of a response a client received complete: Candor runs
/// as its own process, is killed with SIGKILL while clients stream and wait, and the ledger is then
/// reconciled with what the clients saw.</summary>
public sealed class CrashTests
{
    [Fact]
    public async Task KillMinus9UnderLoad_LosesNoRecordOfACompletedResponse()
    {
        var ct = Json.Timeout(120);
        await using var rig = await CrashRig.StartAsync("candor-crash-", "x/tokens=12;chunk_ms=5/v1", ct);
        string accountId = rig.AccountId;
        using var client = rig.Client(TimeSpan.FromSeconds(20));
        var completed = new System.Collections.Concurrent.ConcurrentBag<string>();
        var receipts = new System.Collections.Concurrent.ConcurrentBag<string>();
        var admitted = new System.Collections.Concurrent.ConcurrentBag<string>();
        var receiptOf = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        var candor = rig.StartCandor();
        try
        {
            await CandorProcess.WaitHealthyAsync(client, ct);
            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 12).Select(w => Task.Run(async () =>
            {
                for (int i = 0; !stop.IsCancellationRequested && i < 10_000; i++)
                {
                    bool stream = (w + i) % 2 == 0;
                    try
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
                        {
                            Content = Json.Body(stream
                                ? """{"model":"m-openai","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"go"}]}"""
                                : """{"model":"m-openai","messages":[{"role":"user","content":"go"}]}"""),
                        };
                        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                        string id = response.Headers.GetValues("x-request-id").Single();
                        string receiptId = response.Headers.GetValues("x-candor-receipt").Single();
                        if (response.StatusCode != HttpStatusCode.OK)
                        {
                            continue;
                        }

                        admitted.Add(id);
                        receiptOf[id] = receiptId;

                        if (stream)
                        {
                            var events = await Sse.ReadAllAsync(response, ct);
                            if (events.Count > 0 && events[^1].Data == "[DONE]")
                            {
                                completed.Add(id);
                                receipts.Add(receiptId);
                            }
                        }
                        else
                        {
                            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                            if (doc.RootElement.TryGetProperty("choices", out _))
                            {
                                completed.Add(id);
                                receipts.Add(receiptId);
                            }
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or JsonException)
                    {
                        // The server died under this request; it did not complete.
                    }
                }
            }, ct)).ToArray();

            // Let load build up, then SIGKILL in the middle of it.
            while (completed.Count < 150)
            {
                await Task.Delay(20, ct);
            }

            candor.Kill(entireProcessTree: true);
            await candor.WaitForExitAsync(ct);
            await stop.CancelAsync();
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60), ct);
        }
        finally
        {
            CrashRig.Stop(candor);
        }

        // Restart on the same data directory: it serves again, and serves the receipt of every request the kill cut
        // under the id its client was given.
        var fetched = new Dictionary<string, JsonElement>();
        await rig.RestartAsync(client, async () =>
        {
            using var after = await client.PostAsync("/v1/chat/completions", Json.Body("""{"model":"m-openai","messages":[{"role":"user","content":"again"}]}"""), ct);
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
            var wellKnown = await Json.ReadAsync(await client.GetAsync("/.well-known/candor", ct), ct);
            string verifierKey = wellKnown.GetProperty("receipt_keys")[0].GetProperty("verifier_key").GetString()!;
            foreach (var id in admitted.Except(completed))
            {
                using var response = await client.GetAsync("/v1/receipts/" + receiptOf[id], ct);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    continue;
                }

                byte[] raw = await response.Content.ReadAsByteArrayAsync(ct);
                Assert.True(Receipts.IndependentReceiptVerifier.Verify(raw, verifierKey), "the receipt of " + id + " does not verify");
                using var doc = JsonDocument.Parse(raw);
                fetched[id] = doc.RootElement.GetProperty("receipt").Clone();
            }
        }, ct);

        // Reconcile: every response a client received complete has its usage record and charge.
        using var ledger = await rig.OpenStoreAsync(ct);
        int missing = 0;
        foreach (var id in completed)
        {
            var usage = await ledger.GetUsageAsync(accountId, id, ct);
            if (usage is null || usage.ChargeMicros <= 0)
            {
                missing++;
            }
        }

        // And its signed receipt.
        int missingReceipts = 0;
        foreach (var id in receipts)
        {
            if (await ledger.GetAsync(id, ct) is null)
            {
                missingReceipts++;
            }
        }

        // Every admitted request that did not complete (a stream cut by the kill) has a usage record too: recorded
        // 'interrupted' with no charge at the restart, from its admission record (docs/fail-closed.md, "Crash").
        var partial = admitted.Except(completed).ToList();
        int interrupted = 0, unrecorded = 0;
        foreach (var id in partial)
        {
            var usage = await ledger.GetUsageAsync(accountId, id, ct);
            if (usage is null)
            {
                unrecorded++;
            }
            else if (usage.Outcome == UsageOutcome.Interrupted)
            {
                Assert.Equal(0, usage.ChargeMicros);
                interrupted++;

                // Its receipt, under the id the client received, says the same: interrupted, nothing charged.
                Assert.True(fetched.TryGetValue(id, out var receipt), "no receipt for the interrupted request " + id);
                Assert.Equal("interrupted", receipt.GetProperty("outcome").GetString());
                Assert.Equal(receiptOf[id], receipt.GetProperty("id").GetString());
                Assert.Equal(0, receipt.GetProperty("charge").GetProperty("micros").GetInt64());
                Assert.Equal(usage.CountedInputTokens, receipt.GetProperty("usage").GetProperty("counted").GetProperty("input_tokens").GetInt32());
            }
        }

        Assert.NotEmpty(partial);
        Assert.Equal(0, unrecorded);
        Assert.True(interrupted > 0, $"{partial.Count} partial answers, none recorded as interrupted");
        Assert.True(completed.Count >= 150);
        Assert.Equal(0, missing);
        Assert.Equal(0, missingReceipts);
        var summary = (await ledger.GetSummaryAsync(accountId, ct))!;
        Assert.Equal(summary.LedgerSumMicros, summary.BalanceMicros);
        Assert.Equal(summary.UsageChargeMicros, summary.ChargedMicros);
    }
}
