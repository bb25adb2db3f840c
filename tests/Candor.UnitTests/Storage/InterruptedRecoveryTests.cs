using System.Security.Cryptography;
using System.Text;
using Candor.Core.Accounts;
using Candor.Core.Receipts;
using Microsoft.Extensions.Logging.Abstractions;

namespace Candor.UnitTests.Storage;

/// <summary>Crash recovery (docs/fail-closed.md, "Crash"): a request admitted and never settled — the process stopped
/// in between — becomes an <c>interrupted</c> usage record with no charge at the next open; a settled request keeps
/// its own record; the admission records are gone after recovery.</summary>
public class InterruptedRecoveryTests
{
    /// <summary>The store under test: SQLite here, PostgreSQL in <see cref="PostgresInterruptedRecoveryTests"/>.</summary>
    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    private static readonly TimeSpan Timeout = TempStore.Timeout;

    [SkippableFact]
    public async Task AdmittedNeverSettled_IsRecordedInterruptedAtTheNextStart_SettledKeepsItsRecord()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000_000);
        var key = await t.KeyAsync(account.Id);
        var crashed = t.Usage(account.Id, key.Record.Id, "req_crashed", 0) with { Outcome = UsageOutcome.Interrupted, CountedInputTokens = 42 };
        var settled = t.Usage(account.Id, key.Record.Id, "req_settled", 100);
        await t.Store.RecordAdmissionAsync(crashed, CancellationToken.None).WaitAsync(Timeout);
        await t.Store.RecordAdmissionAsync(settled, CancellationToken.None).WaitAsync(Timeout);
        Assert.True(await t.RecordAsync(settled).WaitAsync(Timeout));

        await t.ReopenAsync();
        Assert.Equal(1, await t.Store.RecoverInterruptedAsync(CancellationToken.None).WaitAsync(Timeout));

        var record = await t.Store.GetUsageAsync(account.Id, "req_crashed", CancellationToken.None).WaitAsync(Timeout);
        Assert.NotNull(record);
        Assert.Equal(UsageOutcome.Interrupted, record.Outcome);
        Assert.Equal(0, record.ChargeMicros);
        Assert.Equal(42, record.CountedInputTokens);
        Assert.Equal(BilledSource.None, record.BilledSource);
        var kept = await t.Store.GetUsageAsync(account.Id, "req_settled", CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(settled.Outcome, kept!.Outcome);
        Assert.Equal(100, kept.ChargeMicros);

        // Nothing is left to recover, and the balance only reflects the settled charge.
        Assert.Equal(0, await t.Store.RecoverInterruptedAsync(CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(1_000_000 - 100, await t.Store.GetBalanceAsync(account.Id, CancellationToken.None).WaitAsync(Timeout));
    }

    [SkippableFact]
    public async Task AdmittedWithReceiptNeverSettled_GetsASignedInterruptedReceiptUnderTheClientsId_AgreeingWithItsUsage()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("a", topUpMicros: 1_000_000);
        var key = await t.KeyAsync(account.Id);
        byte[] body = Encoding.UTF8.GetBytes("""{"model":"m","stream":true,"messages":[]}""");
        var crashed = t.Usage(account.Id, key.Record.Id, "req_crashed", 0) with { Outcome = UsageOutcome.Interrupted, CountedInputTokens = 42 };
        var promised = new AdmittedReceipt("rcpt_promised", "req_crashed", "key:" + key.Record.Id, account.Id, "pseudonym", "openai", ReceiptKind.Chat,
            crashed.RequestedModel, SHA256.HashData(body), body.Length, 42, crashed.CreatedAt);
        // A row written before the receipt columns existed (or by a store without them): usage only, no receipt.
        var old = t.Usage(account.Id, key.Record.Id, "req_old", 0) with { Outcome = UsageOutcome.Interrupted, CountedInputTokens = 7 };
        var settled = t.Usage(account.Id, key.Record.Id, "req_settled", 100);
        await t.Store.RecordAdmissionAsync(crashed, promised, CancellationToken.None).WaitAsync(Timeout);
        await t.Store.RecordAdmissionAsync(old, CancellationToken.None).WaitAsync(Timeout);
        await t.Store.RecordAdmissionAsync(settled, promised with { ReceiptId = "rcpt_settled", RequestId = "req_settled" }, CancellationToken.None).WaitAsync(Timeout);
        Assert.True(await t.RecordAsync(settled).WaitAsync(Timeout));

        await t.ReopenAsync();
        Assert.Equal(2, await t.Store.RecoverInterruptedAsync(CancellationToken.None).WaitAsync(Timeout));
        var leftovers = await t.Store.ListInterruptedReceiptsAsync(CancellationToken.None).WaitAsync(Timeout);
        var left = Assert.Single(leftovers);
        Assert.Equal(promised with { StartedAt = left.StartedAt }, left with { RequestSha256 = promised.RequestSha256 });
        Assert.Equal(promised.RequestSha256, left.RequestSha256);

        using var signer = ReceiptSigner.CreateEphemeral("test.example/receipts");
        using var service = new ReceiptService(signer, t.Store, t.Hasher, t.Time, NullLogger<ReceiptService>.Instance);
        await t.Store.StoreInterruptedReceiptsAsync([(left.RequestId, service.SealInterrupted(left))], CancellationToken.None).WaitAsync(Timeout);

        var stored = await t.Store.GetAsync("rcpt_promised", CancellationToken.None).WaitAsync(Timeout);
        Assert.NotNull(stored);
        Assert.Equal("key:" + key.Record.Id, stored.OwnerId);
        Assert.Null(stored.LeafIndex); // the log appender appends it with the other unlogged receipts
        var verified = ReceiptVerifier.Verify(stored.Body, signer.VerifierKey);
        Assert.True(verified.Valid, verified.Reason);
        var receipt = verified.Receipt!.RootElement.GetProperty("receipt");
        Assert.Equal("rcpt_promised", receipt.GetProperty("id").GetString());
        Assert.Equal(ReceiptOutcome.Interrupted, receipt.GetProperty("outcome").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), receipt.GetProperty("request").GetProperty("sha256").GetString());
        Assert.Equal(0, receipt.GetProperty("charge").GetProperty("micros").GetInt64());
        var usage = await t.Store.GetUsageAsync(account.Id, "req_crashed", CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(usage!.CountedInputTokens, receipt.GetProperty("usage").GetProperty("counted").GetProperty("input_tokens").GetInt32());
        Assert.Equal(0, receipt.GetProperty("usage").GetProperty("counted").GetProperty("output_tokens").GetInt32());
        Assert.Equal(UsageOutcome.Interrupted, usage.Outcome);
        Assert.Null(await t.Store.GetAsync("rcpt_settled", CancellationToken.None).WaitAsync(Timeout));

        // Nothing is left: a second start recovers nothing and seals nothing.
        await t.ReopenAsync();
        Assert.Equal(0, await t.Store.RecoverInterruptedAsync(CancellationToken.None).WaitAsync(Timeout));
        Assert.Empty(await t.Store.ListInterruptedReceiptsAsync(CancellationToken.None).WaitAsync(Timeout));
    }
}
