using Candor.Core.Privacy;

namespace Candor.Core.Channels;

/// <summary>The wire names of channel attributes, shared by the YAML loader, the admin API and the CLI, and the
/// rules a channel id must follow.</summary>
internal static class ChannelAttributes
{
    /// <summary>Accepted retention names, for messages.</summary>
    public const string RetentionNames = "none, limited, retains, unknown";

    /// <summary>Accepted training names, for messages.</summary>
    public const string TrainingNames = "never, opt_out, yes, unknown";

    /// <summary>Header names that carry credentials: refused in <c>headers</c>, since headers are stored and shown
    /// in the clear (the credential field is sealed).</summary>
    public static readonly IReadOnlySet<string> CredentialHeaders =
        new HashSet<string>(["authorization", "x-api-key", "api-key", "x-goog-api-key", "proxy-authorization", "cookie"], StringComparer.OrdinalIgnoreCase);

    /// <summary>A retention by name, or null.</summary>
    public static UpstreamRetention? ParseRetention(string name) => name.Trim().ToLowerInvariant() switch
    {
        "none" => UpstreamRetention.None,
        "limited" => UpstreamRetention.Limited,
        "retains" => UpstreamRetention.Retains,
        "unknown" => UpstreamRetention.Unknown,
        _ => null,
    };

    /// <summary>A training use by name, or null.</summary>
    public static TrainingUse? ParseTraining(string name) => name.Trim().ToLowerInvariant() switch
    {
        "never" => TrainingUse.Never,
        "opt_out" => TrainingUse.OptOut,
        "yes" => TrainingUse.Yes,
        "unknown" => TrainingUse.Unknown,
        _ => null,
    };

    /// <summary>The wire name of a retention.</summary>
    public static string Name(UpstreamRetention retention) => retention switch
    {
        UpstreamRetention.None => "none",
        UpstreamRetention.Limited => "limited",
        UpstreamRetention.Retains => "retains",
        _ => "unknown",
    };

    /// <summary>The wire name of a training use.</summary>
    public static string Name(TrainingUse training) => training switch
    {
        TrainingUse.Never => "never",
        TrainingUse.OptOut => "opt_out",
        TrainingUse.Yes => "yes",
        _ => "unknown",
    };

    /// <summary>Null when <paramref name="id"/> is a valid channel id (1–64 characters: lower-case letters, digits,
    /// '.', '_' and '-', starting with a letter or digit), else the problem.</summary>
    public static string? CheckId(string id)
    {
        if (id.Length is 0 or > 64)
        {
            return "a channel id has 1 to 64 characters";
        }

        foreach (char c in id)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-'))
            {
                return "a channel id holds only lower-case letters, digits, '.', '_' and '-'";
            }
        }

        return char.IsAsciiLetterOrDigit(id[0]) ? null : "a channel id starts with a letter or a digit";
    }

    /// <summary>Null when <paramref name="url"/> is an absolute http(s) URL (returned without a trailing slash), else the problem.</summary>
    public static string? CheckBaseUrl(string url, out Uri? parsed)
    {
        parsed = null;
        return Uri.TryCreate(url.Trim().TrimEnd('/'), UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps) && (parsed = u) is not null
            ? null
            : "base_url must be an absolute http(s) URL";
    }
}
