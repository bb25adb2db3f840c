using System.Text.Json.Serialization;
using Candor.Core.Privacy;
using Candor.Core.Privacy.Redaction;

namespace Candor.Server.Admin.Contracts;

/// <summary>An account's (<c>account.privacy</c>, with history) or a key's (<c>key.privacy</c>) stored privacy policy;
/// <c>routing</c> and <c>redaction</c> are null when none is set.</summary>
internal sealed record StoredPrivacyView(
    string Object,
    string? AccountId,
    string? KeyId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] RoutingRequirementView? Routing,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] IReadOnlyDictionary<string, string>? Redaction,
    HistorySettingsView? History)
{
    public static StoredPrivacyView From(StoredPrivacy policy)
    {
        bool account = policy.Subject == PrivacySubject.Account;
        return new(
            account ? "account.privacy" : "key.privacy",
            account ? policy.SubjectId : null,
            account ? null : policy.SubjectId,
            RoutingRequirementView.From(policy.Routing),
            RedactionOf(policy.Redaction),
            account ? new HistorySettingsView(policy.HistoryEnabled, policy.HistoryRetentionDays) : null);
    }

    /// <summary>A stored redaction policy as set: <c>default</c> and the listed entity types only.</summary>
    public static Dictionary<string, string>? RedactionOf(RedactionPolicy? policy)
    {
        if (policy is null)
        {
            return null;
        }

        var actions = new Dictionary<string, string>(StringComparer.Ordinal) { ["default"] = RedactionPolicies.Word(policy.Default) };
        foreach (string entity in EntityNames.All)
        {
            if (policy.Actions.TryGetValue(entity, out var action))
            {
                actions[entity] = RedactionPolicies.Word(action);
            }
        }

        return actions;
    }
}

/// <summary>A routing requirement: the allowed regions (null = any), zero retention only, never train.</summary>
internal sealed record RoutingRequirementView(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] IReadOnlyList<string>? Regions,
    bool ZeroRetention,
    bool NeverTrain)
{
    public static RoutingRequirementView? From(DataPolicyRequirement? routing) => routing is null
        ? null
        : new(routing.Regions is null ? null : [.. routing.Regions.Order(StringComparer.Ordinal)], routing.ZeroRetentionOnly, routing.NeverTrain);
}

/// <summary>History settings: whether it is kept and for how many days (null: the server's limit).</summary>
internal sealed record HistorySettingsView(bool Enabled, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? RetentionDays);

/// <summary>The body of the privacy PUTs: the parts to replace (absent parts are kept; null clears). <c>history</c>
/// is for accounts only.</summary>
internal sealed record PrivacySet(RoutingRequirementSet? Routing = null, IReadOnlyDictionary<string, string>? Redaction = null, HistorySet? History = null);

/// <summary>The body of the key privacy PUT: routing and redaction.</summary>
internal sealed record KeyPrivacySet(RoutingRequirementSet? Routing = null, IReadOnlyDictionary<string, string>? Redaction = null);

/// <summary>A routing requirement as given; every field optional.</summary>
internal sealed record RoutingRequirementSet(IReadOnlyList<string>? Regions = null, bool? ZeroRetention = null, bool? NeverTrain = null);

/// <summary>History settings as given.</summary>
internal sealed record HistorySet(bool? Enabled = null, int? RetentionDays = null);

/// <summary>The answer to an erasure of an account's history.</summary>
internal sealed record HistoryErasedView(string Object, string AccountId, int Deleted);

/// <summary>Decrypted history entries, newest first (also the shape of <c>GET /v1/history</c>); each entry is the
/// stored JSON as recorded.</summary>
internal sealed record HistoryListView(string Object, string AccountId, IReadOnlyList<System.Text.Json.JsonElement> Data)
{
    /// <summary>Whether older entries follow (the paged admin list only; <c>GET /v1/history</c> leaves it out).</summary>
    public bool? HasMore { get; init; }

    /// <summary>The cursor of the next page, when there is one.</summary>
    public string? NextCursor { get; init; }
}
