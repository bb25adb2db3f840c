using System.Text.Json;
using Candor.Core.Configuration;
using Candor.Core.Receipts;
using Microsoft.Extensions.Time.Testing;

namespace Candor.UnitTests.Core.Receipts;

/// <summary>The sealer: audits the draft, signs the receipt (dated by its clock) and stores nothing; the interrupted
/// receipt of a crash states what its usage record states.</summary>
public sealed class ReceiptSealerTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddDays(20_000);

    [Fact]
    public void Seal_SignsTheOutcomeAndStatus_DatedByItsClock_Verifies()
    {
        using var signer = ReceiptSigner.CreateEphemeral("test.example/receipts");
        var sealer = new ReceiptSealer(signer, null, new FakeTimeProvider(Now));
        using var draft = new ReceiptDraft("rcpt_1", "req_1", "openai", "config:a", null, "0123456789abcdef0123456789abcdef", "{}"u8);

        var stored = sealer.Seal(draft, null, null, ReceiptOutcome.Cancelled, 499);

        Assert.Equal(("rcpt_1", "config:a", Now), (stored.Id, stored.OwnerId, stored.CreatedAt));
        Assert.True(ReceiptVerifier.Verify(stored.Body, signer.VerifierKey).Valid);
        using var doc = JsonDocument.Parse(stored.Body);
        var receipt = doc.RootElement.GetProperty("receipt");
        Assert.Equal("cancelled", receipt.GetProperty("outcome").GetString());
        Assert.Equal(499, receipt.GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.Null, receipt.GetProperty("charge").ValueKind);
        Assert.Empty(draft.Flags);
    }

    [Fact]
    public void Seal_ServedModelOtherThanForwarded_IsFlagged()
    {
        using var signer = ReceiptSigner.CreateEphemeral("test.example/receipts");
        var sealer = new ReceiptSealer(signer, null, new FakeTimeProvider(Now));
        using var draft = new ReceiptDraft("rcpt_1", "req_1", "openai", "config:a", null, "0123456789abcdef0123456789abcdef", "{}"u8);
        draft.BeginAttempt(new ChannelSettings { Id = "oa", Provider = "openai", BaseUrl = new Uri("http://upstream/v1") }, "gpt-4o-mini", "{}"u8, []);
        draft.Observe(new Candor.Protocols.Canonical.ResponseStarted("id", "some-other-model", 0));

        var stored = sealer.Seal(draft, null, null, ReceiptOutcome.Complete, 200);

        Assert.Contains(AuditFlags.ServedModelMismatch, draft.Flags);
        using var doc = JsonDocument.Parse(stored.Body);
        Assert.Contains(doc.RootElement.GetProperty("receipt").GetProperty("flags").EnumerateArray(), f => f.GetString() == AuditFlags.ServedModelMismatch);
    }

    [Fact]
    public void SealInterrupted_StatesNoChargeNoOutputStatusZero_UnderTheAdmittedId()
    {
        using var signer = ReceiptSigner.CreateEphemeral("test.example/receipts");
        var sealer = new ReceiptSealer(signer, null, new FakeTimeProvider(Now));
        var admitted = new AdmittedReceipt("rcpt_promised", "req_1", "key:k", "acct", "0123456789abcdef0123456789abcdef", "openai", ReceiptKind.Chat, "m",
            new byte[32], 2, 42, Now.AddMinutes(-1));

        var stored = sealer.SealInterrupted(admitted);

        Assert.Equal(("rcpt_promised", "key:k", "acct"), (stored.Id, stored.OwnerId, stored.AccountId));
        Assert.True(ReceiptVerifier.Verify(stored.Body, signer.VerifierKey).Valid);
        using var doc = JsonDocument.Parse(stored.Body);
        var receipt = doc.RootElement.GetProperty("receipt");
        Assert.Equal("interrupted", receipt.GetProperty("outcome").GetString());
        Assert.Equal(0, receipt.GetProperty("status").GetInt32());
        Assert.Equal(0, receipt.GetProperty("charge").GetProperty("micros").GetInt64());
        Assert.Equal(42, receipt.GetProperty("usage").GetProperty("counted").GetProperty("input_tokens").GetInt32());
        Assert.Equal(0, receipt.GetProperty("usage").GetProperty("counted").GetProperty("output_tokens").GetInt32());
    }
}
