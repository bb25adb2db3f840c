using System.Text.Json;
using Candor.Core.Channels;
using Candor.Core.Configuration;

namespace Candor.Server.Admin;

/// <summary>The channel, deployment and channel-test shapes of the admin API and the CLI (one shape, one place).
/// A channel's credential is written only as <c>{"set":bool[,"key_id":N|"source":"env"]}</c>.</summary>
internal static class ChannelJson
{
    /// <summary>Writes a channel. <paramref name="routing"/> (null in the CLI, which has no snapshot) says whether the
    /// running server routes it; <paramref name="health"/> writes the routing health block.</summary>
    public static void Channel(Utf8JsonWriter w, ChannelView c, IEnumerable<DeploymentView> deployments, (bool Routed, string? Reason)? routing, Action<Utf8JsonWriter>? health)
    {
        w.WriteStartObject();
        w.WriteString("id", c.Id);
        w.WriteString("source", Source(c.Source));
        w.WriteString("provider", c.Provider);
        w.WriteString("base_url", c.BaseUrl.ToString().TrimEnd('/'));
        w.WriteString("region", c.Policy.Region);
        w.WriteStartObject("data_policy");
        w.WriteString("retention", ChannelAttributes.Name(c.Policy.Retention));
        w.WriteString("training", ChannelAttributes.Name(c.Policy.Training));
        w.WriteEndObject();
        if (c.ApiVersion is not null)
        {
            w.WriteString("api_version", c.ApiVersion);
        }

        // Header values may be credentials under other names (Ocp-Apim-Subscription-Key): only the names are shown.
        w.WriteStartObject("headers");
        foreach (var name in c.Headers.Keys.Order(StringComparer.Ordinal))
        {
            w.WriteString(name, ChannelHeaders.Redacted);
        }

        w.WriteEndObject();
        w.WriteStartObject("timeouts");
        w.WriteNumber("connect_ms", (long)c.Connect.TotalMilliseconds);
        w.WriteNumber("first_byte_ms", (long)c.FirstByte.TotalMilliseconds);
        w.WriteNumber("idle_ms", (long)c.Idle.TotalMilliseconds);
        w.WriteEndObject();
        w.WriteStartObject("credential");
        w.WriteBoolean("set", c.CredentialSet);
        if (c.CredentialKeyId is { } keyId)
        {
            w.WriteNumber("key_id", keyId);
        }
        else if (c.CredentialSet)
        {
            w.WriteString("source", "env");
        }

        w.WriteEndObject();
        w.WriteBoolean("disabled", c.Disabled);
        if (c.DisabledReason is not null)
        {
            w.WriteString("disabled_reason", c.DisabledReason);
        }

        if (routing is { } r)
        {
            w.WriteBoolean("routed", r.Routed);
            if (r.Reason is not null)
            {
                w.WriteString("not_routed_reason", r.Reason);
            }
        }

        w.WriteStartArray("deployments");
        foreach (var d in deployments)
        {
            Deployment(w, d);
        }

        w.WriteEndArray();
        if (c.CreatedAt is { } created)
        {
            AdminJson.Time(w, "created_at", created);
        }

        if (c.UpdatedAt is { } updated)
        {
            AdminJson.Time(w, "updated_at", updated);
        }

        health?.Invoke(w);
        w.WriteEndObject();
    }

    public static void Deployment(Utf8JsonWriter w, DeploymentView d)
    {
        w.WriteStartObject();
        if (d.Id is not null)
        {
            w.WriteString("id", d.Id);
        }

        w.WriteString("model", d.Model);
        w.WriteString("channel", d.ChannelId);
        w.WriteString("upstream_model", d.UpstreamModel);
        w.WriteNumber("priority", d.Priority);
        w.WriteNumber("weight", d.Weight);
        w.WriteString("source", Source(d.Source));
        if (d.CreatedAt is { } created)
        {
            AdminJson.Time(w, "created_at", created);
        }

        w.WriteEndObject();
    }

    public static void TestResult(Utf8JsonWriter w, string channelId, ChannelTestResult t)
    {
        w.WriteStartObject();
        w.WriteString("channel", channelId);
        w.WriteBoolean("ok", t.Ok);
        w.WriteString("upstream_model", t.UpstreamModel);
        w.WriteNumber("latency_ms", t.LatencyMs);
        if (t.UpstreamStatus is { } status)
        {
            w.WriteNumber("status", status);
        }

        if (t.ServedModel is not null)
        {
            w.WriteString("served_model", t.ServedModel);
        }

        if (t.ErrorClass is not null)
        {
            w.WriteStartObject("error");
            w.WriteString("class", t.ErrorClass);
            w.WriteString("message", t.ErrorMessage);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    public static string Source(ChannelOrigin origin) => origin == ChannelOrigin.Config ? "config" : "stored";
}
