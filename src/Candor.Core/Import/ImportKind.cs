namespace Candor.Core.Import;

/// <summary>The kinds of source rows the import maps, named as the source tables name them. The mapping table keys
/// every imported row by (source, kind, source id), which makes a rerun import nothing twice.</summary>
internal static class ImportKind
{
    /// <summary>A user → an account, its owner member and its opening balance.</summary>
    public const string User = "user";

    /// <summary>A token → a key.</summary>
    public const string Token = "token";

    /// <summary>A channel (one of its keys) → a stored channel and its deployments.</summary>
    public const string Channel = "channel";

    /// <summary>A ModelRatio / CompletionRatio / ModelPrice entry → a model price.</summary>
    public const string ModelPrice = "model_price";

    /// <summary>A GroupRatio entry → a group multiplier.</summary>
    public const string GroupRatio = "group_ratio";

    /// <summary>An unused redemption code → a Candor redemption code.</summary>
    public const string Redemption = "redemption";
}
