using Candor.Core.Accounts;
using Candor.Core.Payments;

namespace Candor.UnitTests.Storage;

/// <summary>The payment store's contract (<see cref="IPaymentStore"/>): an event id is applied once, a payment is
/// credited once whatever events report it, refunds debit only what they add, and every change is a ledger entry the
/// balance agrees with. SQLite here, PostgreSQL in <see cref="PostgresPaymentStoreTests"/>.</summary>
public class PaymentStoreTests
{
    private protected virtual Task<TempStore> CreateStoreAsync() => TempStore.CreateAsync();

    private static readonly TimeSpan Timeout = TempStore.Timeout;
    private static readonly CancellationToken None = CancellationToken.None;

    private static PaymentEvent Paid(string eventId, Payment payment, string session = "cs_1", long? amount = null) => new()
    {
        Provider = "stripe", EventId = eventId, Type = "checkout.session.completed", Kind = PaymentEventKind.Paid,
        PaymentId = payment.Id, SessionId = session, PaymentReference = "pi_" + payment.Id, AmountMicros = amount ?? payment.AmountMicros,
    };

    private static PaymentEvent Refunded(string eventId, Payment payment, long totalMicros) => new()
    {
        Provider = "stripe", EventId = eventId, Type = "charge.refunded", Kind = PaymentEventKind.Refunded,
        PaymentReference = "pi_" + payment.Id, AmountMicros = totalMicros, Detail = "charge ch_1",
    };

    private static async Task<Payment> OpenAsync(TempStore t, string accountId, long amountMicros, string session = "cs_1")
    {
        var payment = await t.Store.CreatePaymentAsync("stripe", accountId, amountMicros, None).WaitAsync(Timeout);
        Assert.NotNull(payment);
        await t.Store.OpenPaymentAsync(payment.Id, session, None).WaitAsync(Timeout);
        return payment;
    }

    [SkippableFact]
    public async Task FiftyConcurrentDeliveries_OnTwoNodes_OfTwoEventsForOneCheckout_CreditOnce()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("buyer");
        var payment = await OpenAsync(t, account.Id, 12_340_000);
        using var second = await t.OpenSecondAsync();

        // completed and async_payment_succeeded of the same checkout, each delivered 25 times, through two store instances.
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() =>
            (i % 2 == 0 ? t.Store : second).ApplyAsync(Paid(i % 4 < 2 ? "evt_a" : "evt_b", payment), None)))).WaitAsync(Timeout);

        var credit = Assert.Single(results, static r => r.Outcome == PaymentOutcome.Credited);
        Assert.Equal(48, results.Count(static r => r.Outcome == PaymentOutcome.Replayed));
        Assert.Single(results, static r => r.Outcome == PaymentOutcome.AlreadyCredited);
        var summary = await t.Store.GetSummaryAsync(account.Id, None).WaitAsync(Timeout);
        Assert.Equal(12_340_000, summary!.BalanceMicros);
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
        var stored = await t.Store.GetPaymentAsync(payment.Id, None).WaitAsync(Timeout);
        Assert.Equal("paid", stored!.Status);
        Assert.Equal(credit.Entry!.Id, stored.LedgerEntryId);
        Assert.Equal(LedgerKind.TopUp, credit.Entry.Kind);
        Assert.Equal("pi_" + payment.Id, stored.PaymentReference);
    }

    [SkippableFact]
    public async Task Refunds_DebitOnlyWhatTheyAdd_AndNeverMoreThanWasPaid()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("buyer");
        var payment = await OpenAsync(t, account.Id, 20_000_000);
        Assert.Equal(PaymentOutcome.UnknownPayment, (await t.Store.ApplyAsync(Refunded("evt_early", payment, 1_000_000), None).WaitAsync(Timeout)).Outcome);
        Assert.Equal(PaymentOutcome.Credited, (await t.Store.ApplyAsync(Paid("evt_paid", payment), None).WaitAsync(Timeout)).Outcome);

        var first = await t.Store.ApplyAsync(Refunded("evt_r1", payment, 5_000_000), None).WaitAsync(Timeout);
        Assert.Equal(PaymentOutcome.Refunded, first.Outcome);
        Assert.Equal(-5_000_000, first.Entry!.AmountMicros);
        Assert.Equal(LedgerKind.Adjustment, first.Entry.Kind);
        Assert.Equal(PaymentOutcome.Replayed, (await t.Store.ApplyAsync(Refunded("evt_r1", payment, 5_000_000), None).WaitAsync(Timeout)).Outcome);
        Assert.Equal(PaymentOutcome.NothingNewRefunded, (await t.Store.ApplyAsync(Refunded("evt_r1b", payment, 5_000_000), None).WaitAsync(Timeout)).Outcome);
        Assert.Equal(PaymentOutcome.Mismatch, (await t.Store.ApplyAsync(Refunded("evt_over", payment, 20_000_001), None).WaitAsync(Timeout)).Outcome);
        var rest = await t.Store.ApplyAsync(Refunded("evt_r2", payment, 20_000_000), None).WaitAsync(Timeout);
        Assert.Equal(-15_000_000, rest.Entry!.AmountMicros);
        // An older total arriving late adds nothing.
        Assert.Equal(PaymentOutcome.NothingNewRefunded, (await t.Store.ApplyAsync(Refunded("evt_late", payment, 5_000_000), None).WaitAsync(Timeout)).Outcome);

        var summary = await t.Store.GetSummaryAsync(account.Id, None).WaitAsync(Timeout);
        Assert.Equal(0, summary!.BalanceMicros);
        Assert.Equal(summary.BalanceMicros, summary.LedgerSumMicros);
        Assert.Equal(20_000_000, (await t.Store.GetPaymentAsync(payment.Id, None).WaitAsync(Timeout))!.RefundedMicros);
    }

    [SkippableFact]
    public async Task EventsThatDoNotMatchTheOpenedCheckout_CreditNothing()
    {
        using var t = await CreateStoreAsync();
        var account = await t.AccountAsync("buyer");
        var payment = await OpenAsync(t, account.Id, 10_000_000, session: "cs_opened");

        Assert.Equal(PaymentOutcome.Mismatch, (await t.Store.ApplyAsync(Paid("evt_amount", payment, "cs_opened", amount: 9_990_000), None).WaitAsync(Timeout)).Outcome);
        Assert.Equal(PaymentOutcome.Mismatch, (await t.Store.ApplyAsync(Paid("evt_session", payment, "cs_other"), None).WaitAsync(Timeout)).Outcome);
        Assert.Equal(PaymentOutcome.UnknownPayment, (await t.Store.ApplyAsync(Paid("evt_unknown", payment with { Id = "pay_nobody" }, "cs_opened"), None).WaitAsync(Timeout)).Outcome);
        Assert.Equal(PaymentOutcome.UnknownPayment, (await t.Store.ApplyAsync(Paid("evt_provider", payment, "cs_opened") with { Provider = "other" }, None).WaitAsync(Timeout)).Outcome);
        Assert.Equal(PaymentOutcome.Ignored, (await t.Store.ApplyAsync(Paid("evt_ignored", payment, "cs_opened") with { Kind = PaymentEventKind.Ignored }, None).WaitAsync(Timeout)).Outcome);
        Assert.Equal(0, await t.Store.GetBalanceAsync(account.Id, None).WaitAsync(Timeout));

        // The mismatching events were recorded: the genuine one still credits, once.
        Assert.Equal(PaymentOutcome.Credited, (await t.Store.ApplyAsync(Paid("evt_good", payment, "cs_opened"), None).WaitAsync(Timeout)).Outcome);
        Assert.Equal(PaymentOutcome.Replayed, (await t.Store.ApplyAsync(Paid("evt_amount", payment, "cs_opened"), None).WaitAsync(Timeout)).Outcome);
        Assert.Equal(10_000_000, await t.Store.GetBalanceAsync(account.Id, None).WaitAsync(Timeout));
        Assert.Null(await t.Store.CreatePaymentAsync("stripe", "acct_missing", 1_000_000, None).WaitAsync(Timeout));
    }
}
