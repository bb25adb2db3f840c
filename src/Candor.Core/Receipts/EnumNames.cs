namespace Candor.Core.Receipts;

/// <summary>The lower-case names of an enum's values as receipts print them (<c>ToString().ToLowerInvariant()</c>),
/// computed once instead of twice per receipt.</summary>
internal static class EnumNames<T>
    where T : struct, Enum
{
    private static readonly Dictionary<T, string> Names = Enum.GetValues<T>().Distinct().ToDictionary(v => v, v => v.ToString().ToLowerInvariant());

    /// <summary>The name of <paramref name="value"/> (undefined values are formatted as before, uncached).</summary>
    public static string Of(T value) => Names.TryGetValue(value, out var name) ? name : value.ToString().ToLowerInvariant();
}
