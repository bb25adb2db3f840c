using System.Runtime.CompilerServices;
using System.Text;

namespace Candor.Core.Privacy.Redaction;

/// <summary>Combining and describing redaction policies.</summary>
internal static class RedactionPolicies
{
    private static readonly ConditionalWeakTable<RedactionPolicy, string> Summaries = [];

    // Narrowed policies by (outer, inner) instance. Policies are immutable and held by the configuration snapshot and
    // the privacy directory, so a request resolves its effective policy without allocating; entries go when either
    // policy is collected (a reload or a changed stored policy).
    private static readonly ConditionalWeakTable<RedactionPolicy, ConditionalWeakTable<RedactionPolicy, RedactionPolicy>> Narrowed = [];

    /// <summary>How strongly an action keeps a value from the upstream: allow &lt; pseudonymize &lt; mask &lt; block.</summary>
    public static int Strength(EntityAction action) => action switch
    {
        EntityAction.Allow => 0,
        EntityAction.Pseudonymize => 1,
        EntityAction.Mask => 2,
        _ => 3,
    };

    /// <summary>The stricter of two policies, type by type (allow &lt; pseudonymize &lt; mask &lt; block, and the same for
    /// the default of unlisted types): an inner policy (the account's under the server's, the key's under the
    /// account's) can tighten the outer one, never loosen it. Returns <paramref name="outer"/> itself when
    /// <paramref name="inner"/> is null or <see cref="RedactionPolicy.Off"/>; results are memoized per pair of
    /// instances.</summary>
    public static RedactionPolicy Narrow(RedactionPolicy outer, RedactionPolicy? inner)
    {
        ArgumentNullException.ThrowIfNull(outer);
        if (inner is null || ReferenceEquals(inner, RedactionPolicy.Off) || ReferenceEquals(inner, outer))
        {
            return outer;
        }

        var byInner = Narrowed.GetOrCreateValue(outer);
        if (!byInner.TryGetValue(inner, out var narrowed))
        {
            byInner.TryAdd(inner, Combine(outer, inner));
            byInner.TryGetValue(inner, out narrowed);
        }

        return narrowed!;
    }

    private static RedactionPolicy Combine(RedactionPolicy outer, RedactionPolicy inner)
    {

        var actions = new Dictionary<string, EntityAction>(StringComparer.Ordinal);
        foreach (string name in EntityNames.All)
        {
            var a = outer.ActionFor(name);
            var b = inner.ActionFor(name);
            actions[name] = Strength(b) > Strength(a) ? b : a;
        }

        var fallback = Strength(inner.Default) > Strength(outer.Default) ? inner.Default : outer.Default;
        return new RedactionPolicy(actions, fallback);
    }

    /// <summary>A short description for the <c>x-candor-privacy-policy</c> header: <c>redaction=off</c>, or
    /// <c>redaction=email:pseudonymize,phone:mask,secret:block</c> (types that are allowed are not listed).</summary>
    public static string Describe(RedactionPolicy policy) => Summaries.GetValue(policy, static p =>
    {
        var sb = new StringBuilder("redaction=");
        int listed = 0;
        foreach (string name in EntityNames.All)
        {
            var action = p.ActionFor(name);
            if (action != EntityAction.Allow)
            {
                sb.Append(listed++ == 0 ? "" : ",").Append(name).Append(':').Append(Word(action));
            }
        }

        return listed == 0 ? "redaction=off" : sb.ToString();
    });

    /// <summary>The configuration word of an action.</summary>
    public static string Word(EntityAction action) => action switch
    {
        EntityAction.Allow => "allow",
        EntityAction.Mask => "mask",
        EntityAction.Pseudonymize => "pseudonymize",
        _ => "block",
    };

    /// <summary>Builds a policy from <c>(name, action word)</c> pairs as the admin API and the CLI take them: <c>default</c>
    /// or an entity name (<see cref="EntityNames.All"/>), each at most once, and an action word. On a mistake returns
    /// false with the offending name in <paramref name="field"/> and a message that names the accepted values.</summary>
    public static bool TryCreate(
        IEnumerable<KeyValuePair<string, string?>> entries, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RedactionPolicy? policy,
        out string? field, out string? error)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var actions = new Dictionary<string, EntityAction>(StringComparer.Ordinal);
        var fallback = EntityAction.Allow;
        bool sawDefault = false;
        policy = null;
        foreach (var (name, word) in entries)
        {
            field = name;
            if (name != "default" && !EntityNames.TryParse(name, out _))
            {
                error = $"Unknown entity type '{name}' (expected default or one of {string.Join(", ", EntityNames.All)}).";
                return false;
            }

            if (word is null || !TryParseAction(word, out var action))
            {
                error = word is null
                    ? $"The action for '{name}' must be one of allow, mask, pseudonymize or block."
                    : $"Unknown action '{word}' for '{name}' (expected allow, mask, pseudonymize or block).";
                return false;
            }

            if (name == "default" ? sawDefault : actions.ContainsKey(name))
            {
                error = $"'{name}' is given more than once.";
                return false;
            }

            if (name == "default")
            {
                sawDefault = true;
                fallback = action;
            }
            else
            {
                actions[name] = action;
            }
        }

        field = null;
        error = null;
        policy = new RedactionPolicy(actions, fallback);
        return true;
    }

    /// <summary>Parses a configuration word.</summary>
    public static bool TryParseAction(string word, out EntityAction action)
    {
        action = word switch
        {
            "allow" => EntityAction.Allow,
            "mask" => EntityAction.Mask,
            "pseudonymize" or "pseudonymise" => EntityAction.Pseudonymize,
            "block" => EntityAction.Block,
            _ => (EntityAction)(-1),
        };
        return Enum.IsDefined(action);
    }
}
