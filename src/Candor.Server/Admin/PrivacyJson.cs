using System.Text.Json;
using Candor.Core.Privacy;
using Candor.Core.Privacy.Redaction;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.Admin;

/// <summary>The JSON of privacy policies, shared by the admin API and <c>GET /v1/privacy</c>: a routing requirement
/// is <c>{"regions": ["cn"] | null, "zero_retention": bool, "never_train": bool}</c> (null regions = any), history
/// settings are <c>{"enabled": bool, "retention_days": int | null}</c>, a redaction policy is
/// <c>{"default": ACTION, "email": ACTION, …}</c> (ACTION = allow, mask, pseudonymize, block; null = none set).</summary>
internal static class PrivacyJson
{
    public static void WriteRouting(Utf8JsonWriter w, string name, DataPolicyRequirement? routing)
    {
        if (routing is null)
        {
            w.WriteNull(name);
            return;
        }

        w.WriteStartObject(name);
        if (routing.Regions is { } regions)
        {
            w.WriteStartArray("regions");
            foreach (string r in regions.Order(StringComparer.Ordinal))
            {
                w.WriteStringValue(r);
            }

            w.WriteEndArray();
        }
        else
        {
            w.WriteNull("regions");
        }

        w.WriteBoolean("zero_retention", routing.ZeroRetentionOnly);
        w.WriteBoolean("never_train", routing.NeverTrain);
        w.WriteEndObject();
    }

    /// <summary>Writes an account's or key's stored policy as the admin API and the CLI show it: <c>account.privacy</c>
    /// (routing, redaction, history) or <c>key.privacy</c> (routing, redaction).</summary>
    public static void WriteStored(Utf8JsonWriter w, StoredPrivacy policy) =>
        JsonSerializer.Serialize(w, StoredPrivacyView.From(policy), AdminJsonContext.Default.StoredPrivacyView);

    /// <summary>Writes a stored policy as set: <c>default</c> and the listed types only; null when none is set.</summary>
    public static void WriteRedaction(Utf8JsonWriter w, string name, RedactionPolicy? policy)
    {
        if (policy is null)
        {
            w.WriteNull(name);
            return;
        }

        w.WriteStartObject(name);
        w.WriteString("default", RedactionPolicies.Word(policy.Default));
        foreach (string entity in EntityNames.All)
        {
            if (policy.Actions.TryGetValue(entity, out var action))
            {
                w.WriteString(entity, RedactionPolicies.Word(action));
            }
        }

        w.WriteEndObject();
    }

    /// <summary>Writes an effective policy: the action of every entity type, and <c>default</c>.</summary>
    public static void WriteEffectiveRedaction(Utf8JsonWriter w, string name, RedactionPolicy policy)
    {
        w.WriteStartObject(name);
        foreach (string entity in EntityNames.All)
        {
            w.WriteString(entity, RedactionPolicies.Word(policy.ActionFor(entity)));
        }

        w.WriteString("default", RedactionPolicies.Word(policy.Default));
        w.WriteEndObject();
    }

    /// <summary>Reads a redaction policy object (<c>default</c> and entity types, each an action word); null clears it.
    /// A mistake names the field, for example <c>redaction.emial</c>.</summary>
    public static RedactionPolicy? ReadRedaction(JsonElement e, string field)
    {
        if (e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new AdminInputException(field, $"{field} must be an object such as {{\"default\": \"allow\", \"email\": \"mask\"}}, or null.");
        }

        var entries = new List<KeyValuePair<string, string?>>();
        foreach (var p in e.EnumerateObject())
        {
            entries.Add(new(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null));
        }

        return RedactionPolicies.TryCreate(entries, out var policy, out string? bad, out string? error)
            ? policy
            : throw new AdminInputException($"{field}.{bad}", error!);
    }

    public static void WriteHistory(Utf8JsonWriter w, bool enabled, int? retentionDays)
    {
        w.WriteStartObject("history");
        w.WriteBoolean("enabled", enabled);
        if (retentionDays is { } days)
        {
            w.WriteNumber("retention_days", days);
        }
        else
        {
            w.WriteNull("retention_days");
        }

        w.WriteEndObject();
    }

    /// <summary>Reads a routing requirement object; every field optional (absent = not required).</summary>
    public static DataPolicyRequirement ReadRouting(JsonElement e, string field)
    {
        if (e.ValueKind == JsonValueKind.Null)
        {
            return DataPolicyRequirement.None;
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new AdminInputException(field, $"{field} must be an object with regions, zero_retention and never_train.");
        }

        List<string>? regions = null;
        bool zero = false, never = false;
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name)
            {
                case "regions":
                    if (p.Value.ValueKind == JsonValueKind.Null)
                    {
                        break;
                    }

                    if (p.Value.ValueKind != JsonValueKind.Array)
                    {
                        throw new AdminInputException($"{field}.regions", "regions must be a list of region codes, or null for any.");
                    }

                    regions = [];
                    foreach (var r in p.Value.EnumerateArray())
                    {
                        string code = r.ValueKind == JsonValueKind.String ? r.GetString()!.Trim().ToLowerInvariant() : "";
                        if (!DataPolicyRequirements.IsValidRegion(code) || code == "unknown")
                        {
                            throw new AdminInputException($"{field}.regions", "Each region is a code such as cn, us or eu (letters, digits and '-').");
                        }

                        regions.Add(code);
                    }

                    if (regions.Count == 0)
                    {
                        throw new AdminInputException($"{field}.regions", "Name at least one region, or null for any.");
                    }

                    break;
                case "zero_retention":
                    zero = Bool(p.Value, $"{field}.zero_retention");
                    break;
                case "never_train":
                    never = Bool(p.Value, $"{field}.never_train");
                    break;
                default:
                    throw new AdminInputException($"{field}.{p.Name}", $"Unknown field '{p.Name}'.");
            }
        }

        return DataPolicyRequirements.Create(regions, zero, never);
    }

    /// <summary>Reads <c>{"enabled": bool, "retention_days": int | null}</c>.</summary>
    public static (bool Enabled, int? Days) ReadHistory(JsonElement e, string field, int maxDays)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new AdminInputException(field, $"{field} must be an object with enabled and retention_days.");
        }

        bool? enabled = null;
        int? days = null;
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name)
            {
                case "enabled":
                    enabled = Bool(p.Value, $"{field}.enabled");
                    break;
                case "retention_days":
                    if (p.Value.ValueKind != JsonValueKind.Null)
                    {
                        if (!p.Value.TryGetInt32(out int d) || d < 1 || d > maxDays)
                        {
                            throw new AdminInputException($"{field}.retention_days", $"retention_days must be an integer from 1 to {maxDays} (the server's privacy.history.retention_days), or null.");
                        }

                        days = d;
                    }

                    break;
                default:
                    throw new AdminInputException($"{field}.{p.Name}", $"Unknown field '{p.Name}'.");
            }
        }

        return (enabled ?? throw new AdminInputException($"{field}.enabled", "enabled is required."), days);
    }

    private static bool Bool(JsonElement e, string field) => e.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new AdminInputException(field, $"{field} must be true or false."),
    };
}
