using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Candor.Core.Admission;
using Candor.Core.Receipts;
using Candor.Core.Relay;
using Candor.Core.Routing;
using Candor.Protocols.Canonical;

namespace Candor.Server.Surfaces;

/// <summary><c>GET /v1/receipts/{id}</c> (the receipt's owner only; anyone else gets 404) and the public
/// disclosure <c>GET /.well-known/candor</c>. Shapes are in docs/receipts.md.</summary>
internal static class ReceiptEndpoints
{
    /// <summary>The header with the receipt's transparency-log leaf index, once appended.</summary>
    public const string LeafIndexHeader = "x-candor-log-index";

    public static IEndpointRouteBuilder MapReceipts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/receipts/{id}", static async (HttpContext http, string id, SnapshotHolder snapshots, ReceiptService receipts) =>
        {
            var surface = SurfaceRegistry.OpenAI;
            if (!await ApiKeys.AuthenticateAsync(http, surface, snapshots).ConfigureAwait(false))
            {
                return;
            }

            var receipt = id.StartsWith("rcpt_", StringComparison.Ordinal) && id.Length <= 64
                ? await receipts.Store.GetAsync(id, http.RequestAborted).ConfigureAwait(false)
                : null;
            if (receipt is null || !IsOwner(http.Features.Get<Caller>(), receipt))
            {
                // Someone else's receipt is indistinguishable from a missing one.
                await ResponseWriter.WriteErrorAsync(http, surface,
                    new RelayError(RelayStage.Routing, RelayErrorKind.NotFound, 404, $"No receipt '{(id.Length <= 64 ? id : id[..64])}' for this key.")).ConfigureAwait(false);
                return;
            }

            http.Response.ContentType = "application/json";
            if (receipt.LeafIndex is { } index)
            {
                http.Response.Headers[LeafIndexHeader] = index.ToString(CultureInfo.InvariantCulture);
            }

            http.Response.BodyWriter.Write(receipt.Body);
            await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
        });

        app.MapGet("/.well-known/candor", static async (HttpContext http, SnapshotHolder snapshots, ReceiptService receipts) =>
        {
            var config = snapshots.Current.Config;
            var op = config.Operator;
            http.Response.ContentType = "application/json";
            http.Response.Headers.CacheControl = "public, max-age=300";
            using (var w = new Utf8JsonWriter(http.Response.BodyWriter, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteStartObject("operator");
                Str(w, "name", op.Name);
                Str(w, "domain", op.Domain);
                Str(w, "contact", op.Contact);
                Str(w, "url", op.Url);
                w.WriteStartArray("registrations");
                foreach (var (authority, number) in op.Registrations)
                {
                    w.WriteStartObject();
                    w.WriteString("authority", authority);
                    w.WriteString("number", number);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();

                var signer = receipts.Signer;
                w.WriteStartArray("receipt_keys");
                w.WriteStartObject();
                w.WriteString("name", signer.Name);
                w.WriteString("key_id", signer.KeyId);
                w.WriteString("algorithm", "Ed25519");
                w.WriteString("verifier_key", signer.VerifierKey);
                w.WriteString("public_key", Convert.ToBase64String(signer.PublicKey));
                w.WriteEndObject();
                w.WriteEndArray();

                if (receipts.Log is { } log)
                {
                    w.WriteStartObject("log");
                    w.WriteString("origin", log.Origin);
                    if (log is Candor.Transparency.Log.IPublishedLog tiles)
                    {
                        // The checkpoint signer, in signed-note verifier-key format (c2sp.org/signed-note).
                        w.WriteString("verifier_key", tiles.VerifierKey);
                        w.WriteString("checkpoint_url", "/log/checkpoint");
                    }

                    w.WriteNumber("max_merge_delay_s", (long)Math.Ceiling(log.MaxMergeDelay.TotalSeconds));
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteNull("log");
                }

                w.WriteStartArray("channels");
                // Every routed channel: the configuration file's and the stored ones.
                foreach (var channel in snapshots.Current.Channels.Values.Select(static c => c.Settings).OrderBy(static c => c.Id, StringComparer.Ordinal))
                {
                    w.WriteStartObject();
                    w.WriteString("id", channel.Id);
                    w.WriteString("provider", channel.Provider);
                    w.WriteString("region", channel.Region);
                    w.WriteStartObject("data_policy");
                    w.WriteString("region", channel.DataPolicy.Region);
                    w.WriteString("retention", channel.DataPolicy.Retention.ToString().ToLowerInvariant());
                    w.WriteString("training", channel.DataPolicy.Training.ToString().ToLowerInvariant());
                    w.WriteEndObject();
                    Str(w, "registration", channel.Registration);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            await ResponseWriter.FlushAsync(http).ConfigureAwait(false);
        });
        return app;
    }

    /// <summary>A stored key reads the receipts of its account; a configuration key those it made itself.</summary>
    private static bool IsOwner(Caller? caller, StoredReceipt receipt) => caller switch
    {
        { Key: { } key } => receipt.AccountId is not null && string.Equals(receipt.AccountId, key.AccountId, StringComparison.Ordinal),
        { Name: { } name } => string.Equals(receipt.OwnerId, "config:" + name, StringComparison.Ordinal),
        _ => false,
    };

    private static void Str(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
