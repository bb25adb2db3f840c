namespace Candor.Core.Privacy.Redaction;

/// <summary>The names of entity types as policies, headers and receipts spell them, and the labels of masks
/// and placeholders.</summary>
internal static class EntityNames
{
    /// <summary>Number of entity kinds.</summary>
    public const int Count = 8;

    /// <summary>The policy names, in the order of <see cref="EntityKind"/>; labels and masks derive from them.</summary>
    private static readonly string[] Names = ["secret", "email", "cn_id", "cn_uscc", "bank_card", "phone", "ip", "passport"];

    private static readonly string[] Labels = Array.ConvertAll(Names, static n => n.ToUpperInvariant());

    private static readonly string[] Masks = Array.ConvertAll(Labels, static l => $"[{l}]");

    /// <summary>Every entity name, in the order of <see cref="EntityKind"/>.</summary>
    public static IReadOnlyList<string> All => Names;

    /// <summary>The policy name of a kind, for example <c>email</c>.</summary>
    public static string NameOf(EntityKind kind) => Names[(int)kind];

    /// <summary>The upper-case label used in masks and placeholders, for example <c>EMAIL</c>.</summary>
    public static string LabelOf(EntityKind kind) => Labels[(int)kind];

    /// <summary>The fixed mask, for example <c>[EMAIL]</c>.</summary>
    public static string MaskOf(EntityKind kind) => Masks[(int)kind];

    /// <summary>Finds a kind by its policy name.</summary>
    public static bool TryParse(string name, out EntityKind kind)
    {
        int i = Array.IndexOf(Names, name);
        kind = (EntityKind)Math.Max(i, 0);
        return i >= 0;
    }
}
