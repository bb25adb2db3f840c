using System.Globalization;

namespace Candor.Emulator.Generation;

/// <summary>
/// The word generator and the token rule: a token is one word together with the whitespace before it,
/// so a text's token count is the number of its whitespace-separated words.
/// </summary>
internal static class Words
{
    private static readonly string[] Vocabulary =
    [
        "the", "relay", "model", "answer", "stream", "token", "river", "stone", "light", "quiet",
        "garden", "window", "paper", "signal", "harbor", "bridge", "winter", "summer", "orange", "silver",
        "careful", "simple", "honest", "rapid", "gentle", "distant", "bright", "steady", "clear", "open",
        "runs", "keeps", "shows", "writes", "reads", "counts", "moves", "holds", "finds", "builds",
        "and", "but", "with", "under", "over", "near", "after", "before", "through", "across",
        "every", "some", "many", "each", "another", "this", "that", "our", "their", "its",
        "cloud", "forest", "engine", "ledger", "receipt", "channel", "network", "packet", "buffer", "request",
        "morning", "evening", "village", "mountain", "valley", "ocean", "island", "market", "library", "station",
        "always", "rarely", "often", "softly", "slowly", "quickly", "gladly", "plainly", "truly", "nearly",
        "green", "blue", "amber", "violet", "golden", "crimson", "pale", "warm", "cool", "dry",
    ];

    /// <summary>The number of distinct words a model can emit.</summary>
    public static int VocabularySize => Vocabulary.Length;

    /// <summary>Generates <paramref name="count"/> tokens of sentence-like text, each word drawn uniformly.</summary>
    public static void Generate(SplitMix rng, int count, List<string> into) => Generate(rng, count, into, null, 1.0);

    /// <summary>Generates <paramref name="count"/> tokens of sentence-like text, each word drawn from the model's
    /// <paramref name="distribution"/> at <paramref name="temperature"/> (uniformly when it is null).</summary>
    public static void Generate(SplitMix rng, int count, List<string> into, ModelDistribution? distribution, double temperature)
    {
        var capitalize = true;
        for (var i = 0; i < count; i++)
        {
            var word = Vocabulary[distribution is null ? rng.Range(0, Vocabulary.Length) : distribution.Sample(rng, temperature)];
            if (capitalize)
            {
                word = char.ToUpperInvariant(word[0]) + word[1..];
            }

            var endSentence = i == count - 1 || (i > 0 && rng.Range(0, 8) == 0);
            if (endSentence)
            {
                word += ".";
            }

            capitalize = endSentence;

            into.Add(into.Count == 0 ? word : " " + word);
        }
    }

    /// <summary>The tokens of a given text; concatenating them gives the text back exactly.</summary>
    public static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var start = 0;
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            tokens.Add(text[start..i]);
            start = i;
        }

        // Trailing whitespace forms its own piece above; fold it into the last word so counts stay word counts.
        if (tokens.Count > 1 && string.IsNullOrWhiteSpace(tokens[^1]))
        {
            tokens[^2] += tokens[^1];
            tokens.RemoveAt(tokens.Count - 1);
        }

        return tokens;
    }

    /// <summary>Whitespace-separated words in a text: the unit of every token count.</summary>
    public static int Count(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var ws = char.IsWhiteSpace(c);
            if (!ws && !inWord)
            {
                count++;
            }

            inWord = !ws;
        }

        return count;
    }

    public static string ImagePrefix(int images) =>
        string.Create(CultureInfo.InvariantCulture, $"I see {images} {(images == 1 ? "image" : "images")}.");
}
