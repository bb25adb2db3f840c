using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Candor.FunctionalTests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Candor.FunctionalTests.Billing;

/// <summary>Fail closed (docs/fail-closed.md): a store that cannot make a settlement or a receipt durable — its
/// filesystem full (a 12 MB tmpfs the test mounts and fills), or its SQLite write lock held by another connection —
/// never lets an answer complete without its usage record and stored receipt, on every surface, plain and streamed;
/// while it fails, stored keys are refused with 503 + Retry-After and admin writes answer 503 in the admin envelope;
/// it recovers by itself once the store takes writes again.</summary>
public sealed class StoreFailureTests
{
    /// <summary>One request shape: every surface, plain and streamed, chat, embeddings and token counting.</summary>
    public sealed record Case(string Name, string Path, string Body, bool Stream, bool Metered);

    public static readonly Case[] Cases =
    [
        new("openai chat", "/v1/chat/completions", """{"model":"m-openai","messages":[{"role":"user","content":"x"}]}""", false, true),
        new("openai chat stream", "/v1/chat/completions", """{"model":"m-openai","stream":true,"messages":[{"role":"user","content":"x"}]}""", true, true),
        new("openai chat translated stream", "/v1/chat/completions", """{"model":"m-anthropic","stream":true,"messages":[{"role":"user","content":"x"}]}""", true, true),
        new("openai embeddings", "/v1/embeddings", """{"model":"m-embed","input":["one","two"]}""", false, true),
        new("anthropic messages", "/v1/messages", """{"model":"m-anthropic","max_tokens":50,"messages":[{"role":"user","content":"x"}]}""", false, true),
        new("anthropic messages stream", "/v1/messages", """{"model":"m-anthropic","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"x"}]}""", true, true),
        new("anthropic count_tokens", "/v1/messages/count_tokens", """{"model":"m-anthropic","messages":[{"role":"user","content":"count these"}]}""", false, false),
        new("gemini generate", "/v1beta/models/m-gemini:generateContent", """{"contents":[{"role":"user","parts":[{"text":"x"}]}]}""", false, true),
        new("gemini stream", "/v1beta/models/m-gemini:streamGenerateContent?alt=sse", """{"contents":[{"role":"user","parts":[{"text":"x"}]}]}""", true, true),
        new("gemini translated stream", "/v1beta/models/m-openai:streamGenerateContent?alt=sse", """{"contents":[{"role":"user","parts":[{"text":"x"}]}]}""", true, true),
        new("gemini countTokens", "/v1beta/models/m-gemini:countTokens", """{"contents":[{"role":"user","parts":[{"text":"count these"}]}]}""", false, false),
    ];

    /// <summary>What the client saw of one request.</summary>
    private sealed record Seen(Case Case, HttpStatusCode Status, bool Complete, string RequestId, string? ReceiptId, string? RetryAfter, string Body, TimeSpan Elapsed);

    [RootMountFact]
    public async Task FullFilesystem_NoAnswerCompletesWithoutItsRecords_503WhileFailing_Recovers()
    {
        var ct = Json.Timeout(240);
        var host = new BillingHost
        {
            OnSqlite = "fills the small filesystem the SQLite file is on",
            BeforeStart = static data =>
            {
                Directory.CreateDirectory(data);
                Mount.Run("mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", data);
            },
            AfterStop = static data => Mount.Run("umount", "-l", data),
        };
        await host.InitializeAsync();
        try
        {
            var (account, client) = await StoredKeyAsync(host, ct);

            // Healthy: every case completes with its records.
            foreach (var c in Cases)
            {
                var seen = await SendAsync(client, c, ct);
                Assert.True(seen.Complete, $"{c.Name}: {(int)seen.Status} {seen.Body}");
                await AssertInvariantAsync(host, account, seen, ct);
            }

            // Fill the filesystem, then keep serving: nothing may complete without its records.
            string filler = Path.Combine(host.DataDirectory, "filler");
            Fill(filler);
            var failing = new List<Seen>();
            for (int round = 0; round < 10 && failing.Count == 0; round++)
            {
                foreach (var c in Cases)
                {
                    var seen = await SendAsync(client, c, ct);
                    await AssertInvariantAsync(host, account, seen, ct);
                    if (!seen.Complete)
                    {
                        failing.Add(seen);
                    }
                }
            }

            Assert.NotEmpty(failing);

            // While failing, a stored key is refused at once with 503 + Retry-After in the surface's envelope.
            var refused = await SendAsync(client, Cases[0], ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
            Assert.Equal("5", refused.RetryAfter);
            Assert.Equal("store_unavailable", ErrorOf(refused.Body).GetProperty("code").GetString());
            Assert.True(refused.Elapsed < TimeSpan.FromSeconds(2), $"refused after {refused.Elapsed}");
            await AssertInvariantAsync(host, account, refused, ct);

            // An admin write that cannot be stored is a 503 in the admin envelope, never a bare 500.
            using (var admin = host.CreateClient(host.OperatorKey))
            using (var topUp = await admin.PostAsync($"/admin/v1/accounts/{account.Id}/top-ups", Json.Body("""{"amount_micros":1000}"""), ct))
            {
                Assert.NotEqual(HttpStatusCode.InternalServerError, topUp.StatusCode);
                if (topUp.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    var body = await Json.ReadAsync(topUp, ct);
                    Assert.Equal("store_unavailable", body.GetProperty("error").GetProperty("type").GetString());
                }
                else
                {
                    Assert.Equal(HttpStatusCode.Created, topUp.StatusCode);
                }
            }

            // Space again: the store's probe finds it and requests complete, with their records.
            File.Delete(filler);
            await WaitRecoveredAsync(client, ct);
            foreach (var c in Cases)
            {
                var seen = await SendAsync(client, c, ct);
                Assert.True(seen.Complete, $"{c.Name} after recovery: {(int)seen.Status} {seen.Body}");
                await AssertInvariantAsync(host, account, seen, ct);
            }
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task HeldWriteLock_AnswersFailWithinBoundedWait_503WhileFailing_AdminWrite503_Recovers()
    {
        var ct = Json.Timeout(240);
        var host = new BillingHost { OnSqlite = "another connection holds the SQLite file's write lock" };
        await host.InitializeAsync();
        try
        {
            var (account, client) = await StoredKeyAsync(host, ct);
            foreach (var c in Cases)
            {
                var warm = await SendAsync(client, c, ct);
                Assert.True(warm.Complete, $"{c.Name}: {(int)warm.Status} {warm.Body}");
            }

            // Another process's write lock (a backup, an sqlite3 shell) held for longer than any request waits.
            var locker = new SqliteConnection($"Data Source={host.Store.DatabasePath};Pooling=False");
            await locker.OpenAsync(ct);
            try
            {
                using (var begin = locker.CreateCommand())
                {
                    begin.CommandText = "BEGIN IMMEDIATE";
                    await begin.ExecuteNonQueryAsync(ct);
                }

                // Admitted while the store still looked healthy: every one waits for its writes, then fails closed.
                var all = await Task.WhenAll(Cases.Select(c => SendAsync(client, c, ct)));
                foreach (var seen in all)
                {
                    Assert.False(seen.Complete, $"{seen.Case.Name} completed while the store could not record it: {seen.Body}");
                    Assert.True(seen.Elapsed < TimeSpan.FromSeconds(12), $"{seen.Case.Name} waited {seen.Elapsed}");
                    await AssertInvariantAsync(host, account, seen, ct);
                }

                var refused = await SendAsync(client, Cases[1], ct);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
                Assert.Equal("5", refused.RetryAfter);
                Assert.True(refused.Elapsed < TimeSpan.FromSeconds(2), $"refused after {refused.Elapsed}");

                using var admin = host.CreateClient(host.OperatorKey);
                using var topUp = await admin.PostAsync($"/admin/v1/accounts/{account.Id}/top-ups", Json.Body("""{"amount_micros":1000}"""), ct);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, topUp.StatusCode);
                Assert.Equal("5", topUp.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var error = (await Json.ReadAsync(topUp, ct)).GetProperty("error");
                Assert.Equal("store_unavailable", error.GetProperty("type").GetString());
            }
            finally
            {
                await locker.DisposeAsync();
            }

            await WaitRecoveredAsync(client, ct);
            foreach (var c in Cases)
            {
                var seen = await SendAsync(client, c, ct);
                Assert.True(seen.Complete, $"{c.Name} after recovery: {(int)seen.Status} {seen.Body}");
                await AssertInvariantAsync(host, account, seen, ct);
            }
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static async Task<(Account Account, HttpClient Client)> StoredKeyAsync(BillingHost host, CancellationToken ct)
    {
        var account = await host.CreateAccountAsync(100_000_000, ct);
        var key = await host.CreateKeyAsync(account.Id, ApiKeyLimits.None, ct);
        return (account, host.CreateClient(key.PlaintextKey));
    }

    /// <summary>Sends one case and reads the whole answer.</summary>
    private static async Task<Seen> SendAsync(HttpClient client, Case c, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, c.Path) { Content = Json.Body(c.Body) };
        request.Headers.Add("anthropic-version", "2023-06-01");
        long started = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        string body = await response.Content.ReadAsStringAsync(ct);
        var elapsed = Stopwatch.GetElapsedTime(started);
        string requestId = response.Headers.GetValues("x-request-id").Single();
        string? receipt = response.Headers.TryGetValues(ReceiptService.Header, out var r) ? r.Single() : null;
        string? retryAfter = response.Headers.TryGetValues("Retry-After", out var ra) ? ra.Single() : null;
        return new Seen(c, response.StatusCode, IsComplete(c, response.StatusCode, body), requestId, receipt, retryAfter, body, elapsed);
    }

    /// <summary>A complete answer: 200, and for a stream its end (OpenAI's [DONE], Anthropic's message_stop, Gemini's
    /// finishReason) with no error event.</summary>
    private static bool IsComplete(Case c, HttpStatusCode status, string body)
    {
        if (status != HttpStatusCode.OK)
        {
            return false;
        }

        if (!c.Stream)
        {
            return true;
        }

        bool ended = body.Contains("data: [DONE]", StringComparison.Ordinal) || body.Contains("message_stop", StringComparison.Ordinal)
            || (c.Path.StartsWith("/v1beta", StringComparison.Ordinal) && body.Contains("finishReason", StringComparison.Ordinal));
        return ended && !body.Contains("\"error\"", StringComparison.Ordinal);
    }

    /// <summary>No complete answer without its usage record (metered cases) and its stored receipt; an answer that did not
    /// complete is the surface's 503 with Retry-After, or a stream ended by the surface's error event.</summary>
    private static async Task AssertInvariantAsync(BillingHost host, Account account, Seen seen, CancellationToken ct)
    {
        if (seen.Complete)
        {
            if (seen.Case.Metered)
            {
                Assert.NotNull(await host.Store.GetUsageAsync(account.Id, seen.RequestId, ct));
            }

            Assert.NotNull(seen.ReceiptId);
            Assert.NotNull(await host.Store.GetAsync(seen.ReceiptId!, ct));
            return;
        }

        if (seen.Status == HttpStatusCode.OK)
        {
            Assert.True(seen.Case.Stream, $"{seen.Case.Name}: an incomplete 200 that is not a stream: {seen.Body}");
            Assert.Contains("\"error\"", seen.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("[DONE]", seen.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("message_stop", seen.Body, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, seen.Status);
        Assert.Equal("5", seen.RetryAfter);
        Assert.Equal(JsonValueKind.Object, ErrorOf(seen.Body).ValueKind);

        // A receipt id the client still holds names a stored receipt.
        if (seen.ReceiptId is { } id)
        {
            Assert.NotNull(await host.Store.GetAsync(id, ct));
        }
    }

    /// <summary>The error object of any surface's envelope (<c>{"error":{…}}</c>, Anthropic's <c>{"type":"error","error":{…}}</c>).</summary>
    private static JsonElement ErrorOf(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("error").Clone();
    }

    private static async Task WaitRecoveredAsync(HttpClient client, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 20);
        while (true)
        {
            var seen = await SendAsync(client, Cases[0], ct);
            if (seen.Complete)
            {
                return;
            }

            Assert.True(Stopwatch.GetTimestamp() < deadline, $"the store did not recover: {(int)seen.Status} {seen.Body}");
            await Task.Delay(250, ct);
        }
    }

    /// <summary>Writes <paramref name="path"/> until the filesystem is full.</summary>
    private static void Fill(string path)
    {
        var chunk = new byte[64 * 1024];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 0);
        try
        {
            while (true)
            {
                file.Write(chunk);
            }
        }
        catch (IOException)
        {
            // Full.
        }
    }
}
