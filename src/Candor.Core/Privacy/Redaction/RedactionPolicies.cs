using System.Runtime.CompilerServices;
using System.Text;

namespace Candor.Core.Privacy.Redaction;

/// <summary>Combining and describing redaction policies.</summary>
public static class RedactionPolicies
{
    private static readonly ConditionalWeakTable<RedactionPolicy, string> Summaries = [];

    /// <summary>How strongly an action keeps a value from the upstream: allow &lt; pseudonymize &lt; mask &lt; block.</summary>
    public static int Strength(EntityAction action) => action switch
    {
        EntityAction.Allow => 0,
        EntityAction.Pseudonymize => 1,
        EntityAction.Mask => 2,
        _ => 3,
    };

    /// <summary>The stricter of two policies, type by type: a key's policy can tighten the server default, never loosen it.</summary>
    public static RedactionPolicy Narrow(RedactionPolicy outer, RedactionPolicy inner)
    {
        if (ReferenceEquals(inner, RedactionPolicy.Off))
        {
            return outer;
        }

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
