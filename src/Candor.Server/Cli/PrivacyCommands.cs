using System.Globalization;
using Candor.Core.Privacy;
using Candor.Core.Privacy.Redaction;
using Candor.Server.Admin;
using Candor.Storage;

namespace Candor.Server.Cli;

/// <summary>`candor privacy get|set`: the stored privacy policy of an account (or, with --key, of one of its keys) in
/// the data directory, in the admin API's shape (<c>account.privacy</c>, <c>key.privacy</c>). A running server reads
/// stored policies every 5 seconds, so a change made here applies within that period without a restart. Options that
/// are not given keep their stored value, as a PUT on the admin API does.</summary>
internal static class PrivacyCommands
{
    public static async Task<int> RunAsync(string verb, CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        using var store = await AdminCommands.OpenAsync(args, cancellationToken).ConfigureAwait(false);
        string accountId = args.Require("--account");
        string? keyId = args.Get("--key");
        if (await store.GetAccountAsync(accountId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ArgumentException($"no account '{accountId}'");
        }

        if (keyId is not null && await store.GetKeyAsync(accountId, keyId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ArgumentException($"no key '{keyId}' in account '{accountId}'");
        }

        var subject = keyId is null ? PrivacySubject.Account : PrivacySubject.Key;
        string subjectId = keyId ?? accountId;
        var policy = (await store.ListPrivacyAsync(cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(p => p.Subject == subject && string.Equals(p.SubjectId, subjectId, StringComparison.Ordinal))
            ?? StoredPrivacy.Empty(subject, subjectId);
        switch (verb)
        {
            case "get":
                break;
            case "set":
                policy = Apply(policy, args);
                if (!await store.SetPrivacyAsync(policy, cancellationToken).ConfigureAwait(false))
                {
                    throw new ArgumentException(keyId is null ? $"no account '{accountId}'" : $"no key '{keyId}'");
                }

                break;
            default:
                throw new ArgumentException($"unknown verb 'privacy {verb}' (get, set)");
        }

        await AdminCommands.WriteJsonAsync(output, w => PrivacyJson.WriteStored(w, policy)).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The policy with the options given replacing their parts: --redaction (<c>email=mask,secret=block</c>, or
    /// <c>none</c> to clear), --regions (<c>cn,us</c>, or <c>any</c>), --zero-retention and --never-train (true/false).</summary>
    private static StoredPrivacy Apply(StoredPrivacy policy, CliArgs args)
    {
        if (args.Get("--redaction") is { } redaction)
        {
            policy = policy with { Redaction = ParseRedaction(redaction) };
        }

        var routing = policy.Routing;
        if (args.Get("--regions") is { } regions)
        {
            if (regions.Trim() == "any")
            {
                routing = routing with { Regions = null };
            }
            else
            {
                var codes = args.List("--regions").Select(static r => r.ToLowerInvariant()).ToList();
                if (codes.Count == 0 || codes.Any(static c => !DataPolicyRequirements.IsValidRegion(c) || c == "unknown"))
                {
                    throw new AdminInputException("routing.regions", "--regions is a comma-separated list of region codes such as cn,us (letters, digits and '-'), or any.");
                }

                routing = DataPolicyRequirements.Create(codes, routing.ZeroRetentionOnly, routing.NeverTrain);
            }
        }

        if (Flag(args, "--zero-retention", "routing.zero_retention") is { } zero)
        {
            routing = routing with { ZeroRetentionOnly = zero };
        }

        if (Flag(args, "--never-train", "routing.never_train") is { } never)
        {
            routing = routing with { NeverTrain = never };
        }

        return policy with { Routing = routing };
    }

    /// <summary>Parses <c>default=allow,email=mask,secret=block</c>; <c>none</c> clears the policy.</summary>
    internal static RedactionPolicy? ParseRedaction(string text)
    {
        if (text.Trim() == "none")
        {
            return null;
        }

        var entries = new List<KeyValuePair<string, string?>>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new AdminInputException("redaction", $"--redaction takes TYPE=ACTION pairs separated by commas (for example email=mask,secret=block), or none; '{part}' is not one.");
            }

            entries.Add(new(part[..eq].Trim(), part[(eq + 1)..].Trim()));
        }

        if (entries.Count == 0)
        {
            throw new AdminInputException("redaction", "--redaction takes TYPE=ACTION pairs (for example email=mask,secret=block), or none.");
        }

        return RedactionPolicies.TryCreate(entries, out var policy, out string? field, out string? error)
            ? policy
            : throw new AdminInputException("redaction." + field, error!);
    }

    private static bool? Flag(CliArgs args, string name, string field) => args.Get(name) switch
    {
        null => null,
        { } v when bool.TryParse(v, out bool b) => b,
        _ => throw new AdminInputException(field, string.Create(CultureInfo.InvariantCulture, $"{name} must be true or false.")),
    };
}
