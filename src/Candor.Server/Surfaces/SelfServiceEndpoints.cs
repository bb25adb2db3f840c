using System.Globalization;
using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;

namespace Candor.Server.Surfaces;

/// <summary>What a stored key may read about its own account: <c>GET /v1/usage</c> (usage records, newest first,
/// paged, in the same shape as the admin API's usage pages) <c>GET /v1/balance</c>, and <c>POST /v1/redeem</c> (<see cref="RedeemEndpoint"/>). Shapes are in docs/billing.md. The account is always the key's own; a
/// configuration key has no account and gets 404.</summary>
internal static class SelfServiceEndpoints
{
    public static IEndpointRouteBuilder MapSelfService(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/usage", static async (HttpContext http, SnapshotHolder snapshots) =>
        {
            if (await AccountKeyAsync(http, snapshots).ConfigureAwait(false) is not { } key)
            {
                return;
            }

            var ledger = http.RequestServices.GetRequiredService<BillingGate>().Ledger;
            int limit = int.TryParse(http.Request.Query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out int l) ? l : 100;
            string? cursor = http.Request.Query["cursor"].ToString() is { Length: > 0 } c ? c : null;
            Page<UsageRecord> page;
            try
            {
                page = await ledger.ListUsageAsync(key.AccountId, null, limit, cursor, http.RequestAborted).ConfigureAwait(false);
            }
            catch (ArgumentException)
            {
                await ResponseWriter.WriteErrorAsync(http, SurfaceRegistry.OpenAI, RelayError.BadRequest("The cursor is not valid.", "cursor")).ConfigureAwait(false);
                return;
            }

            // One shape for a usage record everywhere: the admin API's, the CLI's and this (docs/billing.md).
            await Admin.AdminHttp.WritePageAsync(http, page, Admin.AdminJson.Usage).ConfigureAwait(false);
        });
        app.MapGet("/v1/balance", static async (HttpContext http, SnapshotHolder snapshots) =>
        {
            if (await AccountKeyAsync(http, snapshots).ConfigureAwait(false) is not { } key)
            {
                return;
            }

            var ledger = http.RequestServices.GetRequiredService<BillingGate>().Ledger;
            long balance = await ledger.GetBalanceAsync(key.AccountId, http.RequestAborted).ConfigureAwait(false) ?? 0;
            long spent = await ledger.GetKeySpendAsync(key.Id, http.RequestAborted).ConfigureAwait(false);
            http.Response.ContentType = "application/json";
            using (var w = new Utf8JsonWriter(http.Response.BodyWriter))
            {
                w.WriteStartObject();
                w.WriteString("object", "balance");
                w.WriteString("account_id", key.AccountId);
                w.WriteNumber("balance_micros", balance);
                w.WriteStartObject("key");
                w.WriteString("id", key.Id);
                w.WriteString("name", key.Name);
                w.WriteNumber("spent_micros", spent);
                if (key.BudgetMicros is { } budget)
                {
                    w.WriteNumber("budget_micros", budget);
                    w.WriteNumber("remaining_budget_micros", Math.Max(0, budget - spent));
                }
                else
                {
                    w.WriteNull("budget_micros");
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
        });
        app.MapPost("/v1/redeem", RedeemEndpoint.HandleAsync);
        return app;
    }

    /// <summary>The caller's stored key, or null after writing the 401/404 (a configuration key has no account).</summary>
    internal static async Task<ApiKeyRecord?> AccountKeyAsync(HttpContext http, SnapshotHolder snapshots)
    {
        if (!await ApiKeys.AuthenticateAsync(http, SurfaceRegistry.OpenAI, snapshots).ConfigureAwait(false))
        {
            return null;
        }

        if (http.Features.Get<Caller>()?.Key is { } key)
        {
            return key;
        }

        await ResponseWriter.WriteErrorAsync(http, SurfaceRegistry.OpenAI, new RelayError(RelayStage.Routing, RelayErrorKind.NotFound, 404,
            "This key comes from the configuration file and has no account, so there is no usage or balance to show.")).ConfigureAwait(false);
        return null;
    }
}
