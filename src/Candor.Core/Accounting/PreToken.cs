namespace Candor.Core.Accounting;

/// <summary>One piece of a text as a tiktoken encoding splits it before byte-pair merging: a regex match,
/// or a special token such as "&lt;|endoftext|&gt;" (<paramref name="IsSpecial"/>), which is one token.</summary>
/// <param name="Offset">Index of the piece's first character in the text.</param>
/// <param name="Length">Length of the piece in characters.</param>
/// <param name="IsSpecial">Whether the piece is a special token.</param>
internal readonly record struct PreToken(int Offset, int Length, bool IsSpecial);
