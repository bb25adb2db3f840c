using System.Text.Json;

namespace Candor.Server.Operations;

/// <summary><c>/livez</c>, <c>/readyz</c> and <c>/healthz</c> (docs/operations.md, "Health"). Unauthenticated, for load
/// balancers and Kubernetes; the names of models without a serving deployment are shown only to peers that may read
/// <c>/metrics</c>.</summary>
internal static class HealthEndpoints
{
    public static void MapHealth(this WebApplication app, Core.Configuration.TelemetrySettings telemetry)
    {
        // The process answers: nothing else is checked (a restart would not fix an upstream or a disk).
        app.MapGet("/livez", static () => Results.Text("ok"));
        app.MapGet("/healthz", static () => Results.Text("ok"));
        app.MapGet("/readyz", async (HttpContext http, Readiness readiness) =>
        {
            var report = await readiness.CheckAsync(http.RequestAborted).ConfigureAwait(false);
            bool details = TelemetrySetup.Allowed(telemetry.MetricsAllow, http.Connection.RemoteIpAddress);
            http.Response.StatusCode = report.Status == "unready" ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            http.Response.ContentType = "application/json";
            http.Response.Headers.CacheControl = "no-store";
            await using var json = new Utf8JsonWriter(http.Response.Body);
            json.WriteStartObject();
            json.WriteString("status", report.Status);
            json.WriteStartObject("checks");
            json.WriteString("configuration", "ok");
            json.WriteString("store", report.Store);
            json.WriteString("transparency_log", report.TransparencyLog);
            json.WriteEndObject();
            json.WriteNumber("models", report.Models);
            json.WriteNumber("models_without_healthy_deployment", report.Unserved.Count);
            if (details)
            {
                json.WriteStartArray("unserved_models");
                foreach (string model in report.Unserved)
                {
                    json.WriteStringValue(model);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
            await json.FlushAsync(http.RequestAborted).ConfigureAwait(false);
        });
    }
}
