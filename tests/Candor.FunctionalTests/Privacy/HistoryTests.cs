using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Candor.Core.Accounts;
using Candor.Core.Privacy;
using Candor.Core.Security;
using Candor.Emulator;
using Candor.FunctionalTests.Infrastructure;
using Candor.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Candor.FunctionalTests.Privacy;

/// <summary>A Candor with a data directory and <c>privacy.retention: account_history</c>: stored account and key
/// policies (admin API) narrow routing and show in <c>GET /v1/privacy</c>; opt-in history is kept encrypted,
/// exported by the account, and erased by crypto-shredding so that a backup taken before the erasure cannot be
/// read with anything the server still holds.</summary>
public sealed partial class HistoryTests : IAsyncLifetime
{
    private CandorTestHost _host = null!;
    private WebApplication _app = null!;
    private EmulatorHost _emulator = null!;
    private string _dir = null!;
    private string _operatorKey = null!;

    private string DataDir => Path.Combine(_dir, "data");

    public async Task InitializeAsync()
    {
        _host = await CandorTestHost.Create()
            .Prefix("candor-history-")
            .OnSqlite("reads candor.db and a file copy of the data directory byte for byte (crypto-shredding)")
            .Yaml(static emu => $$"""
                server: { data_dir: data, default_max_output_tokens: 200 }
                privacy:
                  retention: account_history
                  history: { retention_days: 30 }
                channels:
                  - { id: us-open, provider: openai, base_url: "{{emu}}/x/ch=us-open/v1", api_key_env: UPSTREAM_KEY, region: us, data_policy: { retention: retains, training: yes } }
                  - { id: cn-zdr, provider: openai, base_url: "{{emu}}/x/ch=cn-zdr/v1", api_key_env: UPSTREAM_KEY, region: cn, data_policy: { retention: none, training: never } }
                models:
                  - { name: m-any, deployments: [{ channel: us-open, model: gpt-4o-mini }, { channel: cn-zdr, model: gpt-4o-mini }] }
                  - { name: m-us, deployments: [{ channel: us-open, model: gpt-4o-mini }] }
                  - { name: m-embed, deployments: [{ channel: us-open, model: text-embedding-3-small }] }
                """)
            .StartAsync();
        (_app, _emulator, _dir) = (_host.App, _host.Emulator, _host.Directory);
        _operatorKey = _host.OperatorKey;
    }

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

    private HttpClient Client(string key) => _host.CreateClient(key);

    private async Task<(string AccountId, string KeyId, string Key)> NewAccountAsync(CancellationToken ct)
    {
        var store = _app.Services.GetRequiredService<SqliteStore>();
        var account = await store.CreateAccountAsync("privacy", Account.DefaultGroup, ct);
        await store.TopUpAsync(account.Id, 10_000_000, "test", ct);
        var key = (await store.CreateKeyAsync(account.Id, "k", ApiKeyLimits.None, isOperator: false, ct))!;
        await _app.Services.GetRequiredService<ApiKeyCache>().RefreshAsync(ct);
        return (account.Id, key.Record.Id, key.PlaintextKey);
    }

    private static Task<HttpResponseMessage> ChatAsync(HttpClient client, string model, string text, bool stream, CancellationToken ct) =>
        client.PostAsync("/v1/chat/completions", Json.Body(JsonSerializer.Serialize(new
        {
            model,
            stream,
            messages = new[] { new { role = "user", content = text } },
        })), ct);

    [Fact]
    public async Task StoredPolicies_Intersect_AndRouteOnlyToCompliantChannels()
    {
        var ct = Json.Timeout(60);
        var (accountId, keyId, key) = await NewAccountAsync(ct);
        using var admin = Client(_operatorKey);
        using var client = Client(key);

        // Account: cn or us; key: zero retention. Effective: regions cn,us + zero retention → only cn-zdr.
        using (var put = await admin.PutAsync($"/admin/v1/accounts/{accountId}/privacy", Json.Body("""{"routing":{"regions":["cn","us"]}}"""), ct))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var put = await admin.PutAsync($"/admin/v1/accounts/{accountId}/keys/{keyId}/privacy", Json.Body("""{"routing":{"zero_retention":true}}"""), ct))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            var body = await Json.ReadAsync(put, ct);
            Assert.True(body.GetProperty("routing").GetProperty("zero_retention").GetBoolean());
        }

        using (var bad = await admin.PutAsync($"/admin/v1/accounts/{accountId}/privacy", Json.Body("""{"routing":{"regions":[]}}"""), ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        using (var privacy = await client.GetAsync("/v1/privacy", ct))
        {
            var body = await Json.ReadAsync(privacy, ct);
            Assert.Equal(["cn", "us"], body.GetProperty("routing").GetProperty("regions").EnumerateArray().Select(e => e.GetString()!).ToArray());
            Assert.True(body.GetProperty("routing").GetProperty("zero_retention").GetBoolean());
            Assert.False(body.GetProperty("routing").GetProperty("never_train").GetBoolean());
            Assert.True(body.GetProperty("sources").GetProperty("key").GetProperty("zero_retention").GetBoolean());
            Assert.Equal("account_history", body.GetProperty("retention").GetString());
            Assert.False(body.GetProperty("history").GetProperty("enabled").GetBoolean());
        }

        for (int i = 0; i < 4; i++)
        {
            _emulator.Journal.Clear();
            using var ok = await ChatAsync(client, "m-any", "route me", stream: i % 2 == 1, ct);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("cn-zdr", ok.Headers.GetValues("x-candor-channel").Single());
            Assert.Equal("regions=cn,us; upstream_retention=none; training=any; retention=none", ok.Headers.GetValues(PrivacyHeaders.Policy).Single());
            Assert.All(_emulator.Journal.All, e => Assert.Contains("ch=cn-zdr", e.Path, StringComparison.Ordinal));
        }

        _emulator.Journal.Clear();
        using var refused = await ChatAsync(client, "m-us", "route me", stream: false, ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var error = await Json.ReadAsync(refused, ct);
        Assert.Equal("no_compliant_deployment", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Empty(_emulator.Journal.All);
    }

    [Fact]
    public async Task MasterKeyRotation_OnARunningServer_KeepsHistoryReadable_AndSealsNewDataKeysUnderTheNewKey()
    {
        var ct = Json.Timeout(90);
        var recorder = _app.Services.GetRequiredService<HistoryRecorder>();
        var store = _app.Services.GetRequiredService<SqliteStore>();

        var (firstAccount, _, firstKey) = await NewAccountAsync(ct);
        using var first = Client(firstKey);
        (await first.PutAsync("/v1/history/settings", Json.Body("""{"enabled":true}"""), ct)).Dispose();
        (await ChatAsync(first, "m-any", "before the rotation", stream: false, ct)).Dispose();
        await recorder.FlushAsync(ct);

        // The CLI rotates while the server runs: the data key is re-sealed under key 2, key 1 is retired.
        var output = new StringWriter();
        Assert.Equal(0, await Candor.Server.Cli.CandorCli.RunAsync(["master-key", "rotate", "--data", DataDir], output, new StringWriter(), ct));
        uint current = MasterKeyFile.LoadOrCreate(DataDir, null).CurrentKeyId;
        Assert.True(current >= 2, output.ToString());

        // An account that starts keeping history now gets a data key sealed under the new key, not the retired one.
        var (secondAccount, _, secondKey) = await NewAccountAsync(ct);
        using var second = Client(secondKey);
        (await second.PutAsync("/v1/history/settings", Json.Body("""{"enabled":true}"""), ct)).Dispose();
        (await ChatAsync(second, "m-any", "after the rotation", stream: false, ct)).Dispose();
        await recorder.FlushAsync(ct);
        var sealedKey = await store.GetHistoryKeyAsync(secondAccount, ct);
        Assert.NotNull(sealedKey);
        Assert.Equal(current, MasterKeyRing.KeyIdOf(sealedKey!.Sealed));

        // Both histories still export from the running server.
        foreach (var client in new[] { first, second })
        {
            using var export = await client.GetAsync("/v1/history", ct);
            Assert.Equal(HttpStatusCode.OK, export.StatusCode);
            Assert.Equal(1, (await Json.ReadAsync(export, ct)).GetProperty("data").GetArrayLength());
        }

        Assert.Equal(current, MasterKeyRing.KeyIdOf((await store.GetHistoryKeyAsync(firstAccount, ct))!.Sealed));
    }

    [Fact]
    public async Task EmbeddingsHistory_KeepsTheInputsEncrypted_AndExportsThem()
    {
        var ct = Json.Timeout(90);
        var (_, keyId, key) = await NewAccountAsync(ct);
        using var client = Client(key);
        var recorder = _app.Services.GetRequiredService<HistoryRecorder>();
        string before = "canary-embed-before-" + Guid.NewGuid().ToString("N");
        string canary = "canary-embed-" + Guid.NewGuid().ToString("N");

        // Off by default: an embeddings request before the opt-in is not kept.
        using (var off = await client.PostAsync("/v1/embeddings", Json.Body($$"""{"model":"m-embed","input":["{{before}}"]}"""), ct))
        {
            Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        }

        using (var on = await client.PutAsync("/v1/history/settings", Json.Body("""{"enabled":true}"""), ct))
        {
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        }

        using (var embed = await client.PostAsync("/v1/embeddings", Json.Body($$"""{"model":"m-embed","input":["{{canary}}","second input"]}"""), ct))
        {
            string text = await embed.Content.ReadAsStringAsync(ct);
            Assert.True(embed.StatusCode == HttpStatusCode.OK, text);
            Assert.EndsWith("retention=history", embed.Headers.GetValues(PrivacyHeaders.Policy).Single(), StringComparison.Ordinal);
        }

        await recorder.FlushAsync(ct);

        // Only ciphertext reaches the data directory.
        Assert.Empty(FilesContaining(DataDir, canary));

        using var export = await client.GetAsync("/v1/history", ct);
        var data = (await Json.ReadAsync(export, ct)).GetProperty("data").EnumerateArray().ToList();
        var entry = Assert.Single(data);
        Assert.Equal("m-embed", entry.GetProperty("model").GetString());
        Assert.Equal(keyId, entry.GetProperty("key_id").GetString());
        Assert.Equal("complete", entry.GetProperty("outcome").GetString());
        Assert.Equal(canary, entry.GetProperty("request").GetProperty("input")[0].GetString());
        var embeddings = entry.GetProperty("response").GetProperty("embeddings");
        Assert.Equal(2, embeddings.GetProperty("count").GetInt32());
        Assert.True(embeddings.GetProperty("dimensions").GetInt32() > 0);
        Assert.DoesNotContain(before, entry.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_IsOffByDefault_ThenEncrypted_Exported_AndCryptoShredded()
    {
        var ct = Json.Timeout(90);
        var (accountId, _, key) = await NewAccountAsync(ct);
        using var client = Client(key);
        var recorder = _app.Services.GetRequiredService<HistoryRecorder>();
        string before = "canary-before-optin-" + Guid.NewGuid().ToString("N");
        (await ChatAsync(client, "m-any", before, stream: false, ct)).Dispose();
        await recorder.FlushAsync(ct);
        using (var empty = await client.GetAsync("/v1/history", ct))
        {
            Assert.Equal(0, (await Json.ReadAsync(empty, ct)).GetProperty("data").GetArrayLength());
        }

        using (var on = await client.PutAsync("/v1/history/settings", Json.Body("""{"enabled":true,"retention_days":7}"""), ct))
        {
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        }

        string canary = "canary-history-" + Guid.NewGuid().ToString("N");
        string streamed = "canary-history-stream-" + Guid.NewGuid().ToString("N");
        using (var r1 = await ChatAsync(client, "m-any", canary + " [[emulator:reply=echo " + canary + "]]", stream: false, ct))
        {
            Assert.Equal("regions=any; upstream_retention=any; training=any; retention=history", r1.Headers.GetValues(PrivacyHeaders.Policy).Single());
        }

        using (var r2 = await ChatAsync(client, "m-any", streamed, stream: true, ct))
        {
            await r2.Content.ReadAsStringAsync(ct);
        }

        using (var export = await client.GetAsync("/v1/history", ct))
        {
            var body = await Json.ReadAsync(export, ct);
            var data = body.GetProperty("data").EnumerateArray().ToList();
            Assert.Equal(2, data.Count);
            var first = data.Single(d => d.GetProperty("request").GetRawText().Contains(canary, StringComparison.Ordinal));
            Assert.Contains(canary, first.GetProperty("response").GetProperty("text").GetString(), StringComparison.Ordinal);
            Assert.Equal("complete", first.GetProperty("outcome").GetString());
            Assert.Contains(data, d => d.GetProperty("request").GetRawText().Contains(streamed, StringComparison.Ordinal));
            Assert.DoesNotContain(data, d => d.GetRawText().Contains(before, StringComparison.Ordinal));
        }

        // Nothing of it is in clear on disk.
        Assert.Empty(FilesContaining(DataDir, canary));
        Assert.Empty(FilesContaining(DataDir, streamed));

        // A backup taken before the erasure: the whole data directory, WAL included.
        string backup = Path.Combine(_dir, "backup");
        CopyDirectory(DataDir, backup);
        var backupRows = await ReadEntriesAsync(Path.Combine(backup, SqliteStore.DatabaseFileName), accountId, ct);
        Assert.Equal(2, backupRows.Count);
        var ring = MasterKeyFile.LoadOrCreate(DataDir, null);
        var backupKey = await ReadKeyAsync(Path.Combine(backup, SqliteStore.DatabaseFileName), accountId, ct);
        Assert.NotNull(backupKey);

        // The backup is readable while the data key exists (so the check below can fail).
        byte[] dataKey = HistoryCipher.OpenDataKey(ring, backupKey);
        Assert.Contains(backupRows, row => TryOpen(dataKey, row) is { } plain && plain.Contains(canary, StringComparison.Ordinal));

        using (var erase = await client.DeleteAsync("/v1/history", ct))
        {
            Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
            Assert.Equal(2, (await Json.ReadAsync(erase, ct)).GetProperty("deleted").GetInt32());
        }

        // Everything the server holds now: its master key ring (file), every sealed data key still in the live
        // database, and any base64 envelope left anywhere in the data directory's files.
        Assert.Null(await ReadKeyAsync(Path.Combine(DataDir, SqliteStore.DatabaseFileName), accountId, ct));
        var candidates = new List<byte[]>();
        var fileRing = MasterKeyFile.LoadOrCreate(DataDir, null);
        foreach (uint id in fileRing.KeyIds.Concat(ring.KeyIds).Distinct())
        {
            candidates.Add(RawMasterKey(DataDir, id));
        }

        foreach (var other in await ReadAllKeysAsync(Path.Combine(DataDir, SqliteStore.DatabaseFileName), ct))
        {
            candidates.Add(HistoryCipher.OpenDataKey(ring, other));
        }

        foreach (string file in Directory.EnumerateFiles(DataDir, "*", SearchOption.AllDirectories))
        {
            string text = Encoding.Latin1.GetString(ReadSettled(file));
            foreach (Match m in Base64Run().Matches(text))
            {
                byte[] raw;
                try
                {
                    raw = Convert.FromBase64String(m.Value);
                }
                catch (FormatException)
                {
                    continue;
                }

                try
                {
                    candidates.Add(ring.Open(raw, HistoryCipher.KeyBinding(accountId, backupKey.Id)));
                }
                catch (CryptographicException)
                {
                    // Not the erased key's envelope.
                }
            }
        }

        Assert.NotEmpty(candidates);
        foreach (var row in backupRows)
        {
            foreach (var candidate in candidates.Where(c => c.Length == 32))
            {
                Assert.Null(TryOpen(candidate, row));
            }
        }

        using (var after = await client.GetAsync("/v1/history", ct))
        {
            Assert.Equal(0, (await Json.ReadAsync(after, ct)).GetProperty("data").GetArrayLength());
        }
    }

    [Fact]
    public async Task HistoryExport_IsPagedByCursor_EveryEntryOnce_AndABadCursorIs400()
    {
        var ct = Json.Timeout(90);
        var (_, _, key) = await NewAccountAsync(ct);
        using var client = Client(key);
        (await client.PutAsync("/v1/history/settings", Json.Body("""{"enabled":true}"""), ct)).Dispose();
        var sent = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 5; i++)
        {
            string canary = "canary-page-" + i + "-" + Guid.NewGuid().ToString("N");
            sent.Add(canary);
            using var r = await ChatAsync(client, "m-any", canary, stream: false, ct);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }

        await _app.Services.GetRequiredService<HistoryRecorder>().FlushAsync(ct);
        var seen = new List<string>();
        string? cursor = null;
        int pages = 0;
        do
        {
            using var page = await client.GetAsync("/v1/history?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), ct);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var body = await Json.ReadAsync(page, ct);
            Assert.True(body.GetProperty("data").GetArrayLength() <= 2);
            seen.AddRange(body.GetProperty("data").EnumerateArray().Select(d => sent.Single(c => d.GetProperty("request").GetRawText().Contains(c, StringComparison.Ordinal))));
            bool more = body.GetProperty("has_more").GetBoolean();
            Assert.Equal(more, body.TryGetProperty("next_cursor", out var next));
            cursor = more ? next.GetString() : null;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(5, seen.Count);
        Assert.Equal(sent.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));

        using var bad = await client.GetAsync("/v1/history?cursor=not-a-cursor", ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("cursor", (await Json.ReadAsync(bad, ct)).GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task HistorySettings_RefuseDaysBeyondTheServerPeriod()
    {
        var ct = Json.Timeout(30);
        var (_, _, key) = await NewAccountAsync(ct);
        using var client = Client(key);
        using var response = await client.PutAsync("/v1/history/settings", Json.Body("""{"enabled":true,"retention_days":31}"""), ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("retention_days", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [GeneratedRegex("[A-Za-z0-9+/]{60,}={0,2}")]
    private static partial Regex Base64Run();

    private static string? TryOpen(byte[] key, HistoryEntry row)
    {
        try
        {
            return Encoding.UTF8.GetString(HistoryCipher.Open(key, row.Sealed, HistoryCipher.EntryBinding(row.AccountId, row.Id, row.DataKeyId)));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static byte[] RawMasterKey(string dataDir, uint id)
    {
        string line = File.ReadAllLines(Path.Combine(dataDir, MasterKeyFile.FileName)).Single(l => l.StartsWith(id + ":", StringComparison.Ordinal));
        return Convert.FromBase64String(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..]);
    }

    private static List<string> FilesContaining(string dir, string needle)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(needle);
        return Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => ReadSettled(f).AsSpan().IndexOf(bytes) >= 0).ToList();
    }

    /// <summary>A file's bytes; the transparency log writes tiles through a temporary file (opened without sharing,
    /// then renamed into place), so a file seen in the listing may be locked for a moment or already gone.</summary>
    private static byte[] ReadSettled(string file)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return File.ReadAllBytes(file);
            }
            catch (FileNotFoundException)
            {
                return [];
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(20);
            }
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from))
        {
            using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var target = File.Create(Path.Combine(to, Path.GetFileName(file)));
            source.CopyTo(target);
        }
    }

    private static async Task<List<HistoryEntry>> ReadEntriesAsync(string db, string accountId, CancellationToken ct)
    {
        await using var c = new SqliteConnection($"Data Source={db};Pooling=false");
        await c.OpenAsync(ct);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, account_id, data_key_id, request_id, created_at, expires_at, sealed FROM history_entries WHERE account_id = $a";
        cmd.Parameters.AddWithValue("$a", accountId);
        var rows = new List<HistoryEntry>();
        using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new HistoryEntry(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)), Convert.FromBase64String(r.GetString(6))));
        }

        return rows;
    }

    private static async Task<HistoryDataKey?> ReadKeyAsync(string db, string accountId, CancellationToken ct) =>
        (await ReadAllKeysAsync(db, ct)).SingleOrDefault(k => k.AccountId == accountId);

    private static async Task<List<HistoryDataKey>> ReadAllKeysAsync(string db, CancellationToken ct)
    {
        await using var c = new SqliteConnection($"Data Source={db};Pooling=false");
        await c.OpenAsync(ct);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, account_id, sealed_key FROM history_keys";
        var keys = new List<HistoryDataKey>();
        using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            keys.Add(new HistoryDataKey(r.GetString(0), r.GetString(1), Convert.FromBase64String(r.GetString(2))));
        }

        return keys;
    }
}
