using System.Text.Json;
using Candor.Core.Accounts.Redemptions;
using Candor.Server.Admin.Contracts;
using Candor.Server.Surfaces;

namespace Candor.Server.Admin;

/// <summary>Redemption code batches: create (the codes are in that response only) and list a batch's codes (terms and
/// state, never the codes). Members redeem with <c>POST /v1/redeem</c>. CLI: <c>candor codes create|list</c>.
/// docs/business.md.</summary>
internal static class RedemptionEndpoints
{
    public static void MapRedemptions(this RouteGroupBuilder admin)
    {
        admin.MapPost("/redemption-batches", AdminEndpoints.Guard(CreateAsync))
            .Operation("createRedemptionBatch", "Create a batch of redemption codes; the plaintext codes are in this response only.")
            .Takes<RedemptionBatchCreate>()
            .Returns<RedemptionBatchView>(StatusCodes.Status201Created, "The batch with its codes.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        admin.MapGet("/redemption-batches/{batchId}", AdminEndpoints.Guard(ListAsync))
            .Operation("listRedemptionBatch", "A batch's codes, newest first: terms and state, never the codes.")
            .Query(AdminQueryParameter.Limit, AdminQueryParameter.Cursor)
            .Returns<AdminPage<RedemptionCodeView>>(StatusCodes.Status200OK, "A page of the batch's codes.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
    }

    private static async Task CreateAsync(HttpContext http)
    {
        RedemptionBatchSpec spec;
        using (var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.RedemptionBatchCreate).ConfigureAwait(false))
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
        await AdminHttp.WriteAsync(http, StatusCodes.Status201Created, RedemptionBatchView.From(created), AdminJsonContext.Default.RedemptionBatchView).ConfigureAwait(false);
    }

    private static async Task ListAsync(HttpContext http)
    {
        var (limit, cursor) = AdminHttp.Paging(http.Request);
        var page = await http.RequestServices.GetRequiredService<IRedemptionStore>()
            .ListBatchPageAsync(AdminHttp.Route(http, "batchId"), limit, cursor, http.RequestAborted).ConfigureAwait(false);
        if (page.Items.Count == 0 && cursor is null)
        {
            // A batch has at least one code: an empty first page means there is no such batch.
            await AdminHttp.NotFoundAsync(http, "redemption batch").ConfigureAwait(false);
            return;
        }

        await AdminHttp.WritePageAsync(http, page, RedemptionCodeView.From, AdminJsonContext.Default.AdminPageRedemptionCodeView).ConfigureAwait(false);
    }

    /// <summary>A new batch with its plaintext codes (the only time they are shown); the CLI writes the same.</summary>
    public static void Batch(Utf8JsonWriter w, CreatedRedemptionBatch created) =>
        JsonSerializer.Serialize(w, RedemptionBatchView.From(created), AdminJsonContext.Default.RedemptionBatchView);

    /// <summary>One stored code: terms and state, never the code.</summary>
    public static void Code(Utf8JsonWriter w, RedemptionCode code) =>
        JsonSerializer.Serialize(w, RedemptionCodeView.From(code), AdminJsonContext.Default.RedemptionCodeView);
}
