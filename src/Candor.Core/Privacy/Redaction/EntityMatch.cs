namespace Candor.Core.Privacy.Redaction;

/// <summary>One entity found in a text: its kind and where it is.</summary>
/// <param name="Kind">The entity type.</param>
/// <param name="Start">Index of the first character.</param>
/// <param name="Length">Number of characters.</param>
internal readonly record struct EntityMatch(EntityKind Kind, int Start, int Length)
{
    /// <summary>Index just past the last character.</summary>
    public int End => Start + Length;
}
