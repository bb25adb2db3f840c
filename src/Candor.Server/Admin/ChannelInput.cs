using System.Text.Json;
using Candor.Core.Channels;
using Candor.Core.Security;

namespace Candor.Server.Admin;

/// <summary>Reads channel and deployment fields from admin request bodies onto a <see cref="StoredChannel"/>. Each
/// refusal names its field (<c>base_url</c>, <c>data_policy.retention</c>, <c>timeouts.idle_ms</c>,
/// <c>headers.Authorization</c>, <c>deployments[0].model</c>…). The credential is sealed here, as soon as it is read.</summary>
internal static class ChannelInput
{
    private const int MaxTimeoutMs = 3_600_000;

    /// <summary>Applies the fields present in <paramref name="body"/> to <paramref name="start"/> (absent = keep;
    /// <c>null</c> clears api_version, credential and disabled_reason).</summary>
    public static StoredChannel Apply(JsonElement body, StoredChannel start, IReadOnlySet<string> providers, Func<MasterKeyRing> ring, DateTimeOffset now)
    {
        var c = start with { UpdatedAt = now };
        if (AdminInput.OptionalString(body, "provider") is { } provider)
        {
            provider = provider.ToLowerInvariant();
            c = providers.Contains(provider)
                ? c with { Provider = provider }
                : throw new AdminInputException("provider", $"Unknown provider '{provider}' (known: {string.Join(", ", providers.Order(StringComparer.Ordinal))}).");
        }

        if (AdminInput.OptionalString(body, "base_url") is { } url)
        {
            c = ChannelAttributes.CheckBaseUrl(url, out var parsed) is { } problem
                ? throw new AdminInputException("base_url", problem + ".")
                : c with { BaseUrl = parsed! };
        }

        if (AdminInput.OptionalString(body, "region") is { } region)
        {
            c = c with { Region = region.ToLowerInvariant() };
        }

        if (body.TryGetProperty("data_policy", out var policy))
        {
            c = ReadPolicy(policy, c);
        }

        if (body.TryGetProperty("api_version", out var version))
        {
            c = c with { ApiVersion = version.ValueKind == JsonValueKind.Null ? null : AdminInput.RequiredString(body, "api_version") };
        }

        if (body.TryGetProperty("headers", out var headers))
        {
            var plain = ReadHeaders(headers);
            c = c with { Headers = plain.Count == 0 ? plain : ChannelHeaders.Seal(ring(), c.Id, plain) };
        }

        if (body.TryGetProperty("timeouts", out var timeouts))
        {
            c = ReadTimeouts(timeouts, c);
        }

        if (body.TryGetProperty("credential", out var credential))
        {
            c = credential.ValueKind switch
            {
                JsonValueKind.Null => c with { SealedCredential = null },
                JsonValueKind.String when credential.GetString() is { Length: > 0 and <= 8192 } secret && secret.Trim().Length == secret.Length =>
                    c with { SealedCredential = ChannelCredentials.Seal(ring(), c.Id, secret) },
                _ => throw new AdminInputException("credential", "credential must be a non-empty string of at most 8192 characters without surrounding spaces, or null to remove it."),
            };
        }

        if (AdminInput.OptionalBool(body, "disabled") is { } disabled)
        {
            c = c with { Disabled = disabled, DisabledReason = disabled ? c.DisabledReason : null };
        }

        if (body.TryGetProperty("disabled_reason", out var reason))
        {
            c = c with { DisabledReason = reason.ValueKind == JsonValueKind.Null ? null : Reason(body, "disabled_reason") };
        }

        return c;
    }

    /// <summary>The optional <c>reason</c> of a disable request (at most 500 characters).</summary>
    public static string? Reason(JsonElement body, string name)
    {
        string? reason = AdminInput.OptionalString(body, name);
        return reason is { Length: > 500 } ? throw new AdminInputException(name, $"{name} has at most 500 characters.") : reason;
    }

    /// <summary>One deployment of a creation body (the channel given or implied).</summary>
    public static StoredDeployment ReadDeployment(JsonElement item, string at, string? channelId, DateTimeOffset now)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw new AdminInputException(at, $"{at} must be an object.");
        }

        string model = Field(item, at, "model", 200);
        string channel = channelId ?? Field(item, at, "channel", 64);
        string upstream = Field(item, at, "upstream_model", 200);
        int priority = Int(item, at, "priority", 0, 1000, 0);
        int weight = Int(item, at, "weight", 1, 1_000_000, 1);
        return new StoredDeployment(Core.Accounts.EntityIds.New("dep"), model, channel, upstream, priority, weight, now);
    }

    /// <summary>Applies an update body to a deployment.</summary>
    public static StoredDeployment UpdateDeployment(JsonElement body, StoredDeployment d) => d with
    {
        UpstreamModel = body.TryGetProperty("upstream_model", out _) ? Field(body, "", "upstream_model", 200) : d.UpstreamModel,
        Priority = Int(body, "", "priority", 0, 1000, d.Priority),
        Weight = Int(body, "", "weight", 1, 1_000_000, d.Weight),
    };

    private static string Field(JsonElement item, string at, string name, int max)
    {
        string path = at.Length == 0 ? name : $"{at}.{name}";
        return item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Trim() is { Length: > 0 } s && s.Length <= max
            ? s
            : throw new AdminInputException(path, $"{path} must be a non-empty string of at most {max} characters.");
    }

    private static int Int(JsonElement item, string at, string name, int min, int max, int absent)
    {
        string path = at.Length == 0 ? name : $"{at}.{name}";
        if (!item.TryGetProperty(name, out var v))
        {
            return absent;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n >= min && n <= max
            ? n
            : throw new AdminInputException(path, $"{path} must be an integer from {min} to {max}.");
    }

    private static StoredChannel ReadPolicy(JsonElement policy, StoredChannel c)
    {
        if (policy.ValueKind != JsonValueKind.Object)
        {
            throw new AdminInputException("data_policy", "data_policy must be an object with retention and training.");
        }

        foreach (var p in policy.EnumerateObject())
        {
            string path = "data_policy." + p.Name;
            string? value = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null;
            c = p.Name switch
            {
                "retention" => c with
                {
                    Retention = (value is null ? null : ChannelAttributes.ParseRetention(value))
                        ?? throw new AdminInputException(path, $"{path} must be one of {ChannelAttributes.RetentionNames}."),
                },
                "training" => c with
                {
                    Training = (value is null ? null : ChannelAttributes.ParseTraining(value))
                        ?? throw new AdminInputException(path, $"{path} must be one of {ChannelAttributes.TrainingNames}."),
                },
                _ => throw new AdminInputException(path, $"Unknown field '{path}' (expected retention, training)."),
            };
        }

        return c;
    }

    private static Dictionary<string, string> ReadHeaders(JsonElement headers)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (headers.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (headers.ValueKind != JsonValueKind.Object)
        {
            throw new AdminInputException("headers", "headers must be an object of header names to string values.");
        }

        foreach (var h in headers.EnumerateObject())
        {
            string path = "headers." + h.Name;
            if (ChannelAttributes.CredentialHeaders.Contains(h.Name))
            {
                throw new AdminInputException(path, $"{h.Name} carries the channel's credential; put it in 'credential', which the provider adapter sends in its own header.");
            }

            if (h.Name.Length == 0 || h.Name.Any(static ch => ch <= ' ' || ch >= 127 || ch == ':'))
            {
                throw new AdminInputException(path, $"'{h.Name}' is not a valid header name.");
            }

            result[h.Name] = h.Value.ValueKind == JsonValueKind.String && !h.Value.GetString()!.Any(static ch => ch is '\r' or '\n')
                ? h.Value.GetString()!
                : throw new AdminInputException(path, $"{path} must be a string without line breaks.");
        }

        return result;
    }

    private static StoredChannel ReadTimeouts(JsonElement timeouts, StoredChannel c)
    {
        if (timeouts.ValueKind != JsonValueKind.Object)
        {
            throw new AdminInputException("timeouts", "timeouts must be an object with connect_ms, first_byte_ms and idle_ms.");
        }

        foreach (var t in timeouts.EnumerateObject())
        {
            string path = "timeouts." + t.Name;
            var value = t.Value.ValueKind == JsonValueKind.Number && t.Value.TryGetInt32(out int ms) && ms is > 0 and <= MaxTimeoutMs
                ? TimeSpan.FromMilliseconds(ms)
                : throw new AdminInputException(path, $"{path} must be an integer number of milliseconds from 1 to {MaxTimeoutMs}.");
            c = t.Name switch
            {
                "connect_ms" => c with { ConnectTimeout = value },
                "first_byte_ms" => c with { FirstByteTimeout = value },
                "idle_ms" => c with { IdleTimeout = value },
                _ => throw new AdminInputException(path, $"Unknown field '{path}' (expected connect_ms, first_byte_ms, idle_ms)."),
            };
        }

        return c;
    }
}
