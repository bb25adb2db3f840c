namespace Candor.Core.Accounting;

/// <summary>Where a billed figure comes from.</summary>
internal enum FigureSource
{
    /// <summary>Nothing is billed for it (free request, or no figure known).</summary>
    None,

    /// <summary>The upstream's usage report.</summary>
    Upstream,

    /// <summary>Candor's own count.</summary>
    Own,
}
