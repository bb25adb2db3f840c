using System.Collections.Frozen;
using Candor.Core.Admission;
using Candor.Core.Configuration;
using Candor.Core.Privacy.Redaction;

namespace Candor.Core.Privacy;

/// <summary>The stored privacy policies of accounts and keys, in memory: loaded at start, replaced whole on every
/// write through the admin or self-service API and on a periodic reload, so resolving a request's policy never
/// touches the database. Without a data directory there are no stored policies; the server's and the
/// configuration keys' requirements still apply.</summary>
internal sealed class PrivacyDirectory(IPrivacyStore? store = null)
{
    private volatile FrozenDictionary<string, StoredPrivacy> _accounts = FrozenDictionary<string, StoredPrivacy>.Empty;
    private volatile FrozenDictionary<string, StoredPrivacy> _keys = FrozenDictionary<string, StoredPrivacy>.Empty;

    /// <summary>The store behind the directory, null without a data directory.</summary>
    public IPrivacyStore? Store => store;

    /// <summary>Reads every stored policy and swaps the in-memory view.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return;
        }

        var all = await store.ListPrivacyAsync(cancellationToken).ConfigureAwait(false);
        _accounts = all.Where(static p => p.Subject == PrivacySubject.Account).ToFrozenDictionary(static p => p.SubjectId, StringComparer.Ordinal);
        _keys = all.Where(static p => p.Subject == PrivacySubject.Key).ToFrozenDictionary(static p => p.SubjectId, StringComparer.Ordinal);
    }

    /// <summary>Stores a policy and makes it effective at once; false when its account or key does not exist.</summary>
    public async Task<bool> SetAsync(StoredPrivacy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (store is null || !await store.SetPrivacyAsync(policy, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await LoadAsync(CancellationToken.None).ConfigureAwait(false);
        return true;
    }

    /// <summary>The account's stored policy (an empty one when it stored none).</summary>
    public StoredPrivacy ForAccount(string accountId) =>
        _accounts.TryGetValue(accountId, out var p) ? p : StoredPrivacy.Empty(PrivacySubject.Account, accountId);

    /// <summary>The key's stored policy (an empty one when it stored none).</summary>
    public StoredPrivacy ForKey(string keyId) =>
        _keys.TryGetValue(keyId, out var p) ? p : StoredPrivacy.Empty(PrivacySubject.Key, keyId);

    /// <summary>The effective policy of a caller: the server's routing requirement and redaction policy, narrowed by the
    /// configuration key's, or by the stored key's account and then key policies (stricter wins on every point: a key
    /// can tighten its account's policy, never loosen it). Reads memory only; the narrowed redaction policy is memoized
    /// per instance, so a caller whose policies did not change resolves without building a new one.</summary>
    public EffectivePrivacy Resolve(CandorConfig config, Caller? caller)
    {
        ArgumentNullException.ThrowIfNull(config);
        var server = config.Privacy.Routing;
        if (caller?.Key is { } key)
        {
            var account = ForAccount(key.AccountId);
            var own = ForKey(key.Id);
            var routing = DataPolicyRequirements.Intersect(DataPolicyRequirements.Intersect(server, account.Routing), own.Routing);
            bool history = config.Privacy.Retention == RetentionMode.AccountHistory && account.HistoryEnabled;
            int days = Math.Min(account.HistoryRetentionDays ?? config.Privacy.HistoryRetentionDays, config.Privacy.HistoryRetentionDays);
            return new EffectivePrivacy(routing, server, account.Routing, own.Routing, config.Privacy.Retention, history, days)
            {
                Redaction = RedactionPolicies.Narrow(RedactionPolicies.Narrow(config.Redaction, account.Redaction), own.Redaction),
                ServerRedaction = config.Redaction,
                AccountRedaction = account.Redaction,
                KeyRedaction = own.Redaction,
            };
        }

        DataPolicyRequirement? configured = null;
        RedactionPolicy? configuredRedaction = null;
        if (caller?.ConfigKeyName is { } name)
        {
            foreach (var k in config.Keys)
            {
                if (string.Equals(k.Name, name, StringComparison.Ordinal))
                {
                    configured = k.Routing;
                    configuredRedaction = k.Redaction;
                    break;
                }
            }
        }

        return new EffectivePrivacy(DataPolicyRequirements.Intersect(server, configured), server, null, configured, config.Privacy.Retention, false, 0)
        {
            Redaction = RedactionPolicies.Narrow(config.Redaction, configuredRedaction),
            ServerRedaction = config.Redaction,
            KeyRedaction = configuredRedaction,
        };
    }
}
