namespace Candor.Core.Accounting;

/// <summary>The upstream's figure against Candor's own count, for one field.</summary>
/// <param name="Reported">The upstream's figure.</param>
/// <param name="Own">Candor's count.</param>
/// <param name="Difference">Reported − own.</param>
/// <param name="Unexplained">The part of the difference that nothing known explains: for output with reported
/// reasoning tokens, own counts may or may not include reasoning (hidden by OpenAI and Gemini, visible with
/// DeepSeek), so only the distance from the range [output − reasoning, output] is unexplained.</param>
/// <param name="ExceedsTolerance">Whether <paramref name="Unexplained"/> exceeds the provider's tolerance.</param>
internal sealed record TokenDiscrepancy(int Reported, int Own, long Difference, long Unexplained, bool ExceedsTolerance);
