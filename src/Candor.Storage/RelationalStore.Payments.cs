using System.Data.Common;
using Candor.Core.Accounts;
using Candor.Core.Payments;
using Candor.Storage.Sqlite;

namespace Candor.Storage;

internal abstract partial class RelationalStore : IPaymentStore
{
    /// <inheritdoc/>
    public Task<Payment?> CreatePaymentAsync(string provider, string accountId, long amountMicros, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amountMicros);
        var payment = new Payment
        {
            Id = EntityIds.New("pay"),
            Provider = provider,
            AccountId = accountId,
            AmountMicros = amountMicros,
            Status = "creating",
            CreatedAt = Now(),
        };
        return _db.WriteAsync<Payment?>(async (c, tx) =>
        {
            if (!await AccountExistsAsync(c, tx, accountId, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            using var insert = Command(c, tx, PaymentsSql.Insert)
                .Add("@id", payment.Id).Add("@provider", provider).Add("@account_id", accountId)
                .Add("@amount_micros", amountMicros).Add("@created_at", DbValues.ToMillis(payment.CreatedAt));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return payment;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task OpenPaymentAsync(string paymentId, string? sessionId, CancellationToken cancellationToken) =>
        _db.WriteAsync(async (c, tx) =>
        {
            using var update = Command(c, tx, PaymentsSql.Open)
                .Add("@status", sessionId is null ? "failed" : "open").Add("@session_id", DbValues.ToDb(sessionId)).Add("@id", paymentId);
            return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<Payment?> GetPaymentAsync(string paymentId, CancellationToken cancellationToken) =>
        _db.ReadAsync(async (c, tx) =>
        {
            using var select = Command(c, tx, PaymentsSql.SelectById).Add("@id", paymentId);
            return await QuerySingleAsync(select, PaymentsSql.Read, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<PaymentApplication> ApplyAsync(PaymentEvent paymentEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paymentEvent);
        return _db.WriteAsync(async (c, tx) =>
        {
            var now = Now();
            // The conditional insert decides replays: a second delivery of the event id (concurrent ones wait on the
            // key until the first commits) inserts nothing and changes nothing.
            using (var insert = Command(c, tx, PaymentsSql.InsertEvent)
                .Add("@provider", paymentEvent.Provider).Add("@event_id", paymentEvent.EventId)
                .Add("@type", paymentEvent.Type).Add("@now", DbValues.ToMillis(now)))
            {
                if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    return new PaymentApplication(PaymentOutcome.Replayed);
                }
            }

            var applied = paymentEvent.Kind switch
            {
                PaymentEventKind.Paid => await CreditAsync(c, tx, paymentEvent, now, cancellationToken).ConfigureAwait(false),
                PaymentEventKind.Refunded => await DebitRefundAsync(c, tx, paymentEvent, now, cancellationToken).ConfigureAwait(false),
                _ => new PaymentApplication(PaymentOutcome.Ignored),
            };

            using (var record = Command(c, tx, PaymentsSql.RecordOutcome)
                .Add("@outcome", applied.Outcome.Name()).Add("@payment_id", DbValues.ToDb(applied.PaymentId))
                .Add("@provider", paymentEvent.Provider).Add("@event_id", paymentEvent.EventId))
            {
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return applied;
        }, cancellationToken);
    }

    private async Task<PaymentApplication> CreditAsync(DbConnection c, DbTransaction tx, PaymentEvent paid, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Payment? payment = null;
        if (paid.PaymentId is { } paymentId)
        {
            using var select = Command(c, tx, PaymentsSql.SelectById).Add("@id", paymentId);
            payment = await QuerySingleAsync(select, PaymentsSql.Read, cancellationToken).ConfigureAwait(false);
        }

        if (payment is null || payment.Provider != paid.Provider || paid.SessionId is null)
        {
            return new PaymentApplication(PaymentOutcome.UnknownPayment);
        }

        if (payment.PaidAt is not null)
        {
            return new PaymentApplication(PaymentOutcome.AlreadyCredited, payment.Id, payment.AccountId);
        }

        // Candor credits what it sold: a checkout whose paid amount or id differs from the one opened credits nothing.
        if (paid.AmountMicros != payment.AmountMicros || (payment.SessionId is { } session && session != paid.SessionId))
        {
            return new PaymentApplication(PaymentOutcome.Mismatch, payment.Id, payment.AccountId);
        }

        var entry = new LedgerEntry
        {
            Id = EntityIds.NewSequential(EntityIds.Ledger, now),
            AccountId = payment.AccountId,
            Kind = LedgerKind.TopUp,
            AmountMicros = payment.AmountMicros,
            CreatedAt = now,
            Note = $"payment {payment.Id} via {payment.Provider} (checkout {paid.SessionId})",
        };

        using (var claim = Command(c, tx, PaymentsSql.ClaimPaid)
            .Add("@session_id", paid.SessionId).Add("@payment_ref", DbValues.ToDb(paid.PaymentReference)).Add("@now", DbValues.ToMillis(now))
            .Add("@ledger_id", entry.Id).Add("@id", payment.Id).Add("@provider", payment.Provider))
        {
            if (await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                return new PaymentApplication(PaymentOutcome.AlreadyCredited, payment.Id, payment.AccountId);
            }
        }

        return await ApplyEntryAsync(c, tx, entry, cancellationToken).ConfigureAwait(false)
            ? new PaymentApplication(PaymentOutcome.Credited, payment.Id, payment.AccountId, entry)
            : throw new InvalidOperationException("The payment's account vanished inside the credit's transaction.");
    }

    private async Task<PaymentApplication> DebitRefundAsync(DbConnection c, DbTransaction tx, PaymentEvent refunded, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Payment? payment = null;
        if (refunded.PaymentReference is { } reference)
        {
            using var select = Command(c, tx, PaymentsSql.SelectByReference).Add("@provider", refunded.Provider).Add("@payment_ref", reference);
            payment = await QuerySingleAsync(select, PaymentsSql.Read, cancellationToken).ConfigureAwait(false);
        }

        if (payment is null || payment.PaidAt is null)
        {
            return new PaymentApplication(PaymentOutcome.UnknownPayment, payment?.Id, payment?.AccountId);
        }

        if (refunded.AmountMicros > payment.AmountMicros)
        {
            return new PaymentApplication(PaymentOutcome.Mismatch, payment.Id, payment.AccountId);
        }

        // Providers report the refunded total; only what it adds to the recorded total is debited, so events that
        // arrive twice or out of order debit nothing more.
        long added = refunded.AmountMicros - payment.RefundedMicros;
        if (added <= 0)
        {
            return new PaymentApplication(PaymentOutcome.NothingNewRefunded, payment.Id, payment.AccountId);
        }

        using (var claim = Command(c, tx, PaymentsSql.ClaimRefund)
            .Add("@refunded", refunded.AmountMicros).Add("@id", payment.Id).Add("@previous", payment.RefundedMicros))
        {
            if (await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                return new PaymentApplication(PaymentOutcome.NothingNewRefunded, payment.Id, payment.AccountId);
            }
        }

        var entry = new LedgerEntry
        {
            Id = EntityIds.NewSequential(EntityIds.Ledger, now),
            AccountId = payment.AccountId,
            Kind = LedgerKind.Adjustment,
            AmountMicros = -added,
            CreatedAt = now,
            Note = refunded.Detail.Length > 0
                ? $"payment {payment.Id} refunded via {payment.Provider} ({refunded.Detail})"
                : $"payment {payment.Id} refunded via {payment.Provider}",
        };
        return await ApplyEntryAsync(c, tx, entry, cancellationToken).ConfigureAwait(false)
            ? new PaymentApplication(PaymentOutcome.Refunded, payment.Id, payment.AccountId, entry)
            : throw new InvalidOperationException("The payment's account vanished inside the refund's transaction.");
    }
}
