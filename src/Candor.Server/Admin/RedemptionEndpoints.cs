using System.Text.Json;
using Candor.Core.Accounts.Redemptions;
using Candor.Server.Surfaces;

namespace Candor.Server.Admin;

/// <summary>Redemption code batches: create (the codes are in that response only) and list a batch's codes (terms and
/// state, never the codes). Members redeem with <c>POST /v1/redeem</c>. CLI: <c>candor codes create|list</c>.
/// docs/business.md.</summary>
internal static class RedemptionEndpoints
{
    public static void MapRedemptions(this RouteGroupBuilder admin)
    {
        admin.MapPost("/redemption-batches", AdminEndpoints.Guard(CreateAsync));
        admin.MapGet("/redemption-batches/{batchId}", AdminEndpoints.Guard(ListAsync));
    }

    private static async Task CreateAsync(HttpContext http)
    {
        RedemptionBatchSpec spec;
        using (var body = await AdminHttp.ReadObjectAsync(http, "amount_micros", "amount_usd", "count", "expires_at", "group", "account_id", "note").ConfigureAwait(false))
        {
            var root = body.RootElement;
            spec = new RedemptionBatchSpec
            {
                AmountMicros = AdminInput.Amount(root),
                Count = AdminInput.TryNullableInt32(root, "count", out int? count) && count is { } n
                    ? n
                    : throw new AdminInputException("count", "count is required: how many codes to make."),
                ExpiresAt = AdminInput.TryNullableTime(root, "expires_at", out var expires) ? expires : null,
                Group = AdminInput.OptionalString(root, "group"),
                AccountId = AdminInput.OptionalString(root, "account_id"),
                Note = AdminInput.OptionalString(root, "note") ?? "",
            };
        }

        if (spec.Validate(http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow()) is { } problem)
        {
            throw new AdminInputException(problem.Field, problem.Message);
        }

        var created = await http.RequestServices.GetRequiredService<IRedemptionStore>().CreateBatchAsync(spec, http.RequestAborted).ConfigureAwait(false);
        if (created is null)
        {
            await AdminHttp.NotFoundAsync(http, "account").ConfigureAwait(false);
            return;
        }

        http.RequestServices.GetRequiredService<ILogger<RedeemThrottle>>().BatchCreated(created.BatchId, created.Codes.Count, spec.AmountMicros);
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status201Created, w => Batch(w, created)).ConfigureAwait(false);
    }

    private static async Task ListAsync(HttpContext http)
    {
        var codes = await http.RequestServices.GetRequiredService<IRedemptionStore>()
            .ListBatchAsync(AdminHttp.Route(http, "batchId"), http.RequestAborted).ConfigureAwait(false);
        if (codes.Count == 0)
        {
            await AdminHttp.NotFoundAsync(http, "redemption batch").ConfigureAwait(false);
            return;
        }

        await AdminHttp.WriteListAsync(http, codes, Code).ConfigureAwait(false);
    }

    /// <summary>A new batch with its plaintext codes (the only time they are shown).</summary>
    public static void Batch(Utf8JsonWriter w, CreatedRedemptionBatch created)
    {
        w.WriteStartObject();
        w.WriteString("object", "redemption_batch");
        w.WriteString("id", created.BatchId);
        w.WriteNumber("amount_micros", created.Spec.AmountMicros);
        w.WriteNumber("count", created.Codes.Count);
        WriteTerms(w, created.Spec.ExpiresAt, created.Spec.Group, created.Spec.AccountId, created.Spec.Note);
        w.WriteStartArray("codes");
        foreach (var (id, code) in created.Codes)
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("code", code);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("notice", "The codes are shown once; they are stored only as keyed hashes.");
        w.WriteEndObject();
    }

    /// <summary>One stored code: terms and state, never the code.</summary>
    public static void Code(Utf8JsonWriter w, RedemptionCode code)
    {
        w.WriteStartObject();
        w.WriteString("object", "redemption_code");
        w.WriteString("id", code.Id);
        w.WriteString("batch_id", code.BatchId);
        w.WriteNumber("amount_micros", code.AmountMicros);
        w.WriteString("created_at", code.CreatedAt);
        WriteTerms(w, code.ExpiresAt, code.Group, code.AccountId, code.Note);
        if (code.RedeemedAt is { } at)
        {
            w.WriteString("redeemed_at", at);
            w.WriteString("redeemed_by", code.RedeemedBy);
            w.WriteString("ledger_entry_id", code.LedgerEntryId);
        }
        else
        {
            w.WriteNull("redeemed_at");
        }

        w.WriteEndObject();
    }

    private static void WriteTerms(Utf8JsonWriter w, DateTimeOffset? expires, string? group, string? accountId, string note)
    {
        if (expires is { } e)
        {
            w.WriteString("expires_at", e);
        }
        else
        {
            w.WriteNull("expires_at");
        }

        w.WriteString("group", group);
        w.WriteString("account_id", accountId);
        w.WriteString("note", note);
    }
}
