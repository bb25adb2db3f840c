using System.Globalization;
using System.Text.Json;
using Candor.Core.Accounts;
using Candor.Core.Admission;
using Candor.Core.Privacy;
using Candor.Core.Privacy.Redaction;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;
using Candor.Server.Admin;

namespace Candor.Server.Surfaces;

/// <summary>What a key may read and do about its own privacy: <c>GET /v1/privacy</c> (its effective policy: routing,
/// redaction per entity type, retention; for any key), and with a data directory the account's opt-in history: <c>GET /v1/history</c> (export, decrypted JSON),
/// <c>DELETE /v1/history</c> (crypto-shredding) and <c>PUT /v1/history/settings</c>. Errors use the OpenAI envelope.
/// Shapes are in docs/privacy.md.</summary>
internal static class PrivacyEndpoints
{
    public static IEndpointRouteBuilder MapPrivacy(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/privacy", static async (HttpContext http, SnapshotHolder snapshots, PrivacyDirectory directory) =>
        {
            if (!await ApiKeys.AuthenticateAsync(http, SurfaceRegistry.OpenAI, snapshots).ConfigureAwait(false))
            {
                return;
            }

            var config = snapshots.Current.Config;
            var caller = http.Features.Get<Caller>();
            var effective = directory.Resolve(config, caller);

            // The header a relayed request carries: routing and retention, then the redaction part when the policy
            // redacts anything (as the redaction stage appends it).
            string header = PrivacyHeaders.Describe(effective);
            string redaction = RedactionPolicies.Describe(effective.Redaction);
            if (redaction != "redaction=off")
            {
                header += "; " + redaction;
            }

            http.Response.Headers[PrivacyHeaders.Policy] = header;
            await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
            {
                w.WriteStartObject();
                w.WriteString("object", "privacy_policy");
                if (caller?.Key is { } key)
                {
                    w.WriteString("account_id", key.AccountId);
                    w.WriteString("key_id", key.Id);
                }
                else
                {
                    w.WriteNull("account_id");
                    w.WriteNull("key_id");
                }

                PrivacyJson.WriteRouting(w, "routing", effective.Routing);
                w.WriteStartObject("sources");
                PrivacyJson.WriteRouting(w, "server", effective.Server);
                PrivacyJson.WriteRouting(w, "account", effective.Account);
                PrivacyJson.WriteRouting(w, "key", effective.Key);
                w.WriteEndObject();
                PrivacyJson.WriteEffectiveRedaction(w, "redaction", effective.Redaction);
                w.WriteStartObject("redaction_sources");
                PrivacyJson.WriteRedaction(w, "server", ReferenceEquals(effective.ServerRedaction, RedactionPolicy.Off) ? null : effective.ServerRedaction);
                PrivacyJson.WriteRedaction(w, "account", effective.AccountRedaction);
                PrivacyJson.WriteRedaction(w, "key", effective.KeyRedaction);
                w.WriteEndObject();
                w.WriteString("retention", effective.Retention == RetentionMode.None ? "none" : "account_history");
                PrivacyJson.WriteHistory(w, effective.HistoryEnabled, effective.HistoryEnabled ? effective.HistoryRetentionDays : null);
                w.WriteString("header", header);
                w.WriteEndObject();
            }).ConfigureAwait(false);
        });
        return app;
    }

    public static IEndpointRouteBuilder MapHistory(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/history", static async (HttpContext http, SnapshotHolder snapshots, HistoryRecorder recorder) =>
        {
            if (await AccountKeyAsync(http, snapshots).ConfigureAwait(false) is not { } key)
            {
                return;
            }

            // A page of `limit` entries (1-1000, default 100), newest first; `next_cursor` goes back as `cursor` for the next.
            int limit = int.TryParse(http.Request.Query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out int l) ? Math.Clamp(l, 1, 1000) : 100;
            string? cursor = http.Request.Query["cursor"].ToString() is { Length: > 0 } after ? after : null;
            Page<byte[]> page;
            try
            {
                page = await recorder.ExportPageAsync(key.AccountId, limit, cursor, http.RequestAborted).ConfigureAwait(false);
            }
            catch (ArgumentException) when (cursor is not null)
            {
                await ResponseWriter.WriteErrorAsync(http, SurfaceRegistry.OpenAI, RelayError.BadRequest("The paging cursor is not valid.", "cursor")).ConfigureAwait(false);
                return;
            }

            await HistoryAdminEndpoints.WriteListAsync(http, key.AccountId, page.Items, page.NextCursor, paged: true).ConfigureAwait(false);
        });
        app.MapDelete("/v1/history", static async (HttpContext http, SnapshotHolder snapshots, HistoryRecorder recorder) =>
        {
            if (await AccountKeyAsync(http, snapshots).ConfigureAwait(false) is not { } key)
            {
                return;
            }

            // Erasure follows its own course once asked for: a client that leaves does not leave it half done.
            int deleted = await recorder.EraseAsync(key.AccountId, CancellationToken.None).ConfigureAwait(false);
            await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
            {
                w.WriteStartObject();
                w.WriteString("object", "history.erased");
                w.WriteString("account_id", key.AccountId);
                w.WriteNumber("deleted", deleted);
                w.WriteEndObject();
            }).ConfigureAwait(false);
        });
        app.MapPut("/v1/history/settings", static async (HttpContext http, SnapshotHolder snapshots, PrivacyDirectory directory) =>
        {
            if (await AccountKeyAsync(http, snapshots).ConfigureAwait(false) is not { } key)
            {
                return;
            }

            var config = snapshots.Current.Config;
            bool enabled;
            int? days;
            try
            {
                using var body = await AdminHttp.ReadObjectAsync(http, "enabled", "retention_days").ConfigureAwait(false);
                (enabled, days) = PrivacyJson.ReadHistory(body.RootElement, "body", config.Privacy.HistoryRetentionDays);
            }
            catch (AdminInputException e)
            {
                await ResponseWriter.WriteErrorAsync(http, SurfaceRegistry.OpenAI, RelayError.BadRequest(e.Message, e.Field)).ConfigureAwait(false);
                return;
            }

            if (enabled && config.Privacy.Retention != RetentionMode.AccountHistory)
            {
                await ResponseWriter.WriteErrorAsync(http, SurfaceRegistry.OpenAI, new RelayError(RelayStage.Admission, RelayErrorKind.InvalidRequest, 409,
                    "History is disabled on this server (privacy.retention: none); nothing of what is sent or received is kept.") { Param = "enabled" }).ConfigureAwait(false);
                return;
            }

            var policy = directory.ForAccount(key.AccountId) with { HistoryEnabled = enabled, HistoryRetentionDays = days };
            await directory.SetAsync(policy, CancellationToken.None).ConfigureAwait(false);
            await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w =>
            {
                w.WriteStartObject();
                w.WriteString("object", "history.settings");
                w.WriteString("account_id", key.AccountId);
                PrivacyJson.WriteHistory(w, enabled, days);
                w.WriteEndObject();
            }).ConfigureAwait(false);
        });
        return app;
    }

    private static async Task<Core.Accounts.ApiKeyRecord?> AccountKeyAsync(HttpContext http, SnapshotHolder snapshots)
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
            "This key comes from the configuration file and has no account, so it has no history.")).ConfigureAwait(false);
        return null;
    }
}
