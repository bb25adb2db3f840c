using System.Globalization;
using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;

namespace Candor.Server.Surfaces;

/// <summary>What a stored key may read about its own account: <c>GET /v1/usage</c> (usage records, newest first,
/// paged) and <c>GET /v1/balance</c>. Shapes are in docs/billing.md. The account is always the key's own; a
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

            http.Response.ContentType = "application/json";
            using (var w = new Utf8JsonWriter(http.Response.BodyWriter))
            {
                w.WriteStartObject();
                w.WriteString("object", "list");
                w.WriteStartArray("data");
                foreach (var u in page.Items)
                {
                    WriteUsage(w, u);
                }

                w.WriteEndArray();
                if (page.NextCursor is { } next)
                {
                    w.WriteString("next_cursor", next);
                }
                else
                {
                    w.WriteNull("next_cursor");
                }

                w.WriteEndObject();
            }

            await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
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
        return app;
    }

    private static async Task<ApiKeyRecord?> AccountKeyAsync(HttpContext http, SnapshotHolder snapshots)
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

    private static void WriteUsage(Utf8JsonWriter w, UsageRecord u)
    {
        w.WriteStartObject();
        w.WriteString("request_id", u.RequestId);
        w.WriteNumber("created_at", u.CreatedAt.ToUnixTimeMilliseconds());
        w.WriteString("key_id", u.KeyId);
        w.WriteString("surface", u.Surface);
        w.WriteString("model", u.RequestedModel);
        if (u.ReportedModel is { } reported)
        {
            w.WriteString("served_model", reported);
        }

        w.WriteString("outcome", u.Outcome.ToString().ToLowerInvariant());
        w.WriteStartObject("reported");
        Count(w, "input_tokens", u.ReportedInputTokens);
        Count(w, "output_tokens", u.ReportedOutputTokens);
        Count(w, "cached_input_tokens", u.ReportedCachedInputTokens);
        Count(w, "cache_write_tokens", u.ReportedCacheWriteTokens);
        Count(w, "reasoning_tokens", u.ReportedReasoningTokens);
        Count(w, "total_tokens", u.ReportedTotalTokens);
        w.WriteEndObject();
        w.WriteStartObject("counted");
        Count(w, "input_tokens", u.CountedInputTokens);
        Count(w, "output_tokens", u.CountedOutputTokens);
        w.WriteEndObject();
        w.WriteString("billed_source", u.BilledSource.ToString().ToLowerInvariant());
        w.WriteNumber("charge_micros", u.ChargeMicros);
        w.WriteNumber("duration_ms", u.DurationMs);
        w.WriteEndObject();
    }

    private static void Count(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
