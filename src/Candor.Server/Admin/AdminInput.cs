using System.Globalization;
using System.Text.Json;

namespace Candor.Server.Admin;

/// <summary>Typed reads of admin request fields. Each refuses a wrong type or value with the field named.
/// Amounts are read as exact integers or decimal strings, never as floating point.</summary>
internal static class AdminInput
{
    /// <summary>The largest amount accepted in one top-up: one billion USD, in micro-USD.</summary>
    public const long MaxAmountMicros = 1_000_000_000L * 1_000_000L;

    /// <summary>A required non-empty string.</summary>
    public static string RequiredString(JsonElement body, string name) =>
        OptionalString(body, name) ?? throw new AdminInputException(name, $"{name} is required.");

    /// <summary>A non-empty string, or null when absent; JSON null is refused.</summary>
    public static string? OptionalString(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var v))
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.String && v.GetString() is { } s && !string.IsNullOrWhiteSpace(s)
            ? s.Trim()
            : throw new AdminInputException(name, $"{name} must be a non-empty string.");
    }

    /// <summary>A boolean, or null when absent.</summary>
    public static bool? OptionalBool(JsonElement body, string name) =>
        !body.TryGetProperty(name, out var v) ? null
        : v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean()
        : throw new AdminInputException(name, $"{name} must be true or false.");

    /// <summary>Whether the field is present, and its value: a non-negative integer or JSON null (clears it).</summary>
    public static bool TryNullableInt64(JsonElement body, string name, out long? value)
    {
        value = null;
        if (!body.TryGetProperty(name, out var v))
        {
            return false;
        }

        if (v.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        value = v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n) && n >= 0
            ? n
            : throw new AdminInputException(name, $"{name} must be a non-negative integer or null.");
        return true;
    }

    /// <summary>As <see cref="TryNullableInt64"/>, limited to 32 bits.</summary>
    public static bool TryNullableInt32(JsonElement body, string name, out int? value)
    {
        value = null;
        if (!TryNullableInt64(body, name, out long? wide))
        {
            return false;
        }

        value = wide is null ? null
            : wide <= int.MaxValue ? (int)wide
            : throw new AdminInputException(name, $"{name} must be at most {int.MaxValue}.");
        return true;
    }

    /// <summary>Whether the field is present, and its value: an array of strings; JSON null means empty.</summary>
    public static bool TryStringList(JsonElement body, string name, out IReadOnlyList<string> value)
    {
        value = [];
        if (!body.TryGetProperty(name, out var v))
        {
            return false;
        }

        if (v.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            throw new AdminInputException(name, $"{name} must be an array of strings.");
        }

        var items = new List<string>(v.GetArrayLength());
        foreach (var item in v.EnumerateArray())
        {
            items.Add(item.ValueKind == JsonValueKind.String
                ? item.GetString()!.Trim()
                : throw new AdminInputException(name, $"{name} must be an array of strings."));
        }

        value = items;
        return true;
    }

    /// <summary>Whether the field is present, and its value: an ISO-8601 timestamp (UTC when it has no offset)
    /// or JSON null.</summary>
    public static bool TryNullableTime(JsonElement body, string name, out DateTimeOffset? value)
    {
        value = null;
        if (!body.TryGetProperty(name, out var v))
        {
            return false;
        }

        if (v.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        value = v.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new AdminInputException(name, $"{name} must be an ISO-8601 timestamp or null.");
        return true;
    }

    /// <summary>A positive amount given either as <c>amount_micros</c> (an exact integer) or as <c>amount_usd</c>
    /// (a decimal string with at most six decimals), not both.</summary>
    public static long Amount(JsonElement body)
    {
        bool hasMicros = body.TryGetProperty("amount_micros", out var micros);
        bool hasUsd = body.TryGetProperty("amount_usd", out var usd);
        if (hasMicros == hasUsd)
        {
            throw new AdminInputException("amount_micros", "Give exactly one of amount_micros (integer micro-USD) and amount_usd (decimal string).");
        }

        if (hasMicros)
        {
            return micros.ValueKind == JsonValueKind.Number && micros.TryGetInt64(out long m) && m > 0 && m <= MaxAmountMicros
                ? m
                : throw new AdminInputException("amount_micros", $"amount_micros must be a positive integer of at most {MaxAmountMicros}.");
        }

        // NumberStyles.AllowDecimalPoint refuses exponents, signs and group separators: "12.50" only.
        if (usd.ValueKind != JsonValueKind.String
            || !decimal.TryParse(usd.GetString(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal dollars)
            || dollars <= 0 || decimal.Round(dollars, 6) != dollars || dollars * 1_000_000m > MaxAmountMicros)
        {
            throw new AdminInputException("amount_usd", "amount_usd must be a string holding a positive USD amount with at most six decimals, e.g. \"12.50\".");
        }

        return (long)(dollars * 1_000_000m);
    }
}
