using System.Reflection;
using System.Text;
using Candor.Core.Accounting;
using Microsoft.ML.Tokenizers;

namespace Candor.UnitTests.Core.Accounting;

/// <summary>Candor's tiktoken counter against Microsoft.ML.Tokenizers 2.0.1 (the oracle, referenced by the
/// tests only): equal counts and equal pre-token splits for o200k_base and cl100k_base.</summary>
public sealed class TiktokenEncodingTests
{
    private static readonly Lazy<Tokenizer> OracleO200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private static readonly Lazy<Tokenizer> OracleCl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    public static readonly TheoryData<string> Corpus = new()
    {
        "hello world",
        "The quick brown fox jumps over the lazy dog.",
        "It's a dog's life; they're sure we'll go, I'd say you've won, I'm in, don't.",
        "IT'S LOUD, THEY'RE SURE WE'LL GO, I'D SAY YOU'VE WON, I'M IN, DON'T. It'S tHeY'Re",
        "'s 't 're 've 'm 'll 'd 'S 'T 'RE 'VE 'M 'LL 'D ''s x's X'S 'ſ Kelvin\u212A's",
        "CamelCaseWord HTTPServer XMLHttpRequest iPhone macOS snake_case kebab-case SCREAMING_CASE",
        "public static int Main(string[] args)\n{\n    Console.WriteLine(\"Hi\");\n    return 0;\n}\n",
        "def f(x):\n\tif x > 0:\n\t\treturn x ** 2  # square\n\treturn -x\n\n\n",
        """{"model":"gpt-4o","messages":[{"role":"user","content":"Hi!"}],"temperature":0.7,"n":1}""",
        "0 1 12 123 1234 12345 123456 1234567 12345678 123456789 1234567890 3.14159 -42 1e10 0x1F 1,000,000",
        "٠١٢٣٤٥٦٧٨٩ ①②③ ⅫⅣ ½ ¾ 一二三",
        "   leading and trailing   ",
        "a  b   c    d\n\n\ne\r\nf\r\n\r\ng \n h \t\n",
        "trailing newline\n",
        "trailing spaces   ",
        "\n\n\n\n",
        "          ",
        "\t\t\t",
        " \u00a0 \u3000 \u2003 \u200b",
        "café naïve résumé Ångström Ærø façade coöperate",
        "e\u0301 a\u0300\u0301\u0302 n\u0303 Z\u0351\u0352\u0353\u0354\u0355 \u0301\u0301",
        "お誕生日おめでとう",
        "我们今天去公园。你好，世界！漢字かな交じり文，안녕하세요 세계",
        "مرحبا بالعالم! هذا نص عربي مع أرقام ١٢٣",
        "שלום עולם Привет мир Ωμέγα Ελληνικά हिन्दी ภาษาไทย",
        "😀 👍🏽 👨‍👩‍👧‍👦 🇯🇵🇺🇸 🏳️‍🌈 ❤️ 😀😀😀 a😀b",
        "lone high \ud800 and low \udc00 surrogates \udbff\ud800x \udfff",
        "\ud83d",
        "\ude00abc",
        "literal replacement \uFFFD\uFFFD char",
        "<|endoftext|>",
        "before<|endoftext|>after",
        "word<|endofprompt|>word <|endoftext|> <|fim_prefix|>x<|fim_middle|>y<|fim_suffix|>z",
        "  <|endoftext|>  ",
        "text\n<|endoftext|>\n",
        "<|endoftext|><|endoftext|><|endofprompt|>",
        "<|endoftext <|notspecial|> <| |> <<|endoftext|>> |<|endoftext|>|",
        "https://example.com/a/b?c=d&e=f#g path/to/file.txt C:\\Windows\\System32 user@example.com",
        "!!! ??? ... --- *** ### $$$ %%% ^^^ &&& ((( ))) [[[ ]]] {{{ }}} ||| \\\\ /// <<< >>> ~~~ ```",
        "a/b\n/c//\n\n/d",
        "x\u0000y\u0001z\u007f",
        "𝐀𝐁𝐂 𝒜ℬ𝒞 𠀀𠀁 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Corpus_CountsEqualTheOracle(string text)
    {
        Assert.Equal(OracleO200k.Value.CountTokens(text), TiktokenEncoding.O200kBase.CountTokens(text));
        Assert.Equal(OracleCl100k.Value.CountTokens(text), TiktokenEncoding.Cl100kBase.CountTokens(text));
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Corpus_PreTokensEqualTheOracle(string text)
    {
        Assert.Equal(OraclePieces(OracleO200k.Value, text), Pieces(TiktokenEncoding.O200kBase, text));
        Assert.Equal(OraclePieces(OracleCl100k.Value, text), Pieces(TiktokenEncoding.Cl100kBase, text));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomMixedText_CountsEqualTheOracle(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < 1500; i++)
        {
            string text = RandomText(random, random.Next(1, 120));
            int expectedO200k = OracleO200k.Value.CountTokens(text);
            int expectedCl100k = OracleCl100k.Value.CountTokens(text);
            Assert.True(expectedO200k == TiktokenEncoding.O200kBase.CountTokens(text), $"o200k differs on {Escape(text)}");
            Assert.True(expectedCl100k == TiktokenEncoding.Cl100kBase.CountTokens(text), $"cl100k differs on {Escape(text)}");
        }
    }

    [Fact]
    public void RandomLongText_CountsEqualTheOracle()
    {
        var random = new Random(11);
        for (int i = 0; i < 20; i++)
        {
            string text = RandomText(random, random.Next(2_000, 20_000));
            Assert.Equal(OracleO200k.Value.CountTokens(text), TiktokenEncoding.O200kBase.CountTokens(text));
            Assert.Equal(OracleCl100k.Value.CountTokens(text), TiktokenEncoding.Cl100kBase.CountTokens(text));
        }
    }

    public static readonly TheoryData<string, int> LongPieces = new()
    {
        { "a", 50_000 },
        { "Z", 20_000 },
        { "\u6f22", 20_000 },
        { "我们今天去公园", 3_000 },
        { "😀", 10_000 },
        { "!", 40_000 },
        { " ", 40_000 },
        { "7", 30_000 },
    };

    [Theory]
    [MemberData(nameof(LongPieces))]
    public void LongPieces_CountEqualTheOracle(string unit, int repeat)
    {
        string text = string.Concat(Enumerable.Repeat(unit, repeat));
        Assert.Equal(OracleO200k.Value.CountTokens(text), TiktokenEncoding.O200kBase.CountTokens(text));
        Assert.Equal(OracleCl100k.Value.CountTokens(text), TiktokenEncoding.Cl100kBase.CountTokens(text));
    }

    [Fact]
    public void RandomLettersRun_OnePiece_CountsEqualTheOracle_WithBoundedWork()
    {
        var random = new Random(5);
        var letters = new char[60_000];
        for (int i = 0; i < letters.Length; i++)
        {
            letters[i] = (char)('a' + random.Next(26));
        }

        string text = new(letters);
        long before = BytePairMerge.t_heapOperations;
        int count = TiktokenEncoding.O200kBase.CountTokens(text);
        long work = BytePairMerge.t_heapOperations - before;

        Assert.Equal(OracleO200k.Value.CountTokens(text), count);
        // One pre-token of 60k bytes: at most n - 1 initial pushes, two pushes per merge and a pop per push.
        Assert.InRange(work, 1, 6L * text.Length);
    }

    [Fact]
    public void HeapAndLinearMerges_GiveTheSameCounts()
    {
        var random = new Random(17);
        var vocabulary = TiktokenEncoding.O200kBase.Vocabulary;
        string[] units = ["a", "b", "th", "e", "ing", " ", "我", "们", "é", "😀", "1", "!", "\u0301"];
        for (int round = 0; round < 300; round++)
        {
            var sb = new StringBuilder();
            int target = random.Next(2, 700);
            while (sb.Length < target)
            {
                sb.Append(units[random.Next(units.Length)]);
            }

            byte[] bytes = Encoding.UTF8.GetBytes(sb.ToString());
            Assert.Equal(BytePairMerge.CountLinear(vocabulary, bytes), BytePairMerge.CountWithHeap(vocabulary, bytes));
        }
    }

    [Fact]
    public void LoadedO200kVocabulary_IsSmall()
    {
        var assembly = Assembly.Load("Microsoft.ML.Tokenizers.Data.O200kBase");
        using var stream = assembly.GetManifestResourceStream("o200k_base.tiktoken.deflate")!;

        long before = GC.GetAllocatedBytesForCurrentThread();
        var vocabulary = TiktokenVocabulary.Load(stream, deflated: true);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(199_998, vocabulary.Count);
        Assert.Equal(128, vocabulary.MaxTokenLength);
        // A dictionary per entry (the design this replaces) allocates about 40 MB.
        Assert.True(allocated < 12L * 1024 * 1024, $"loading allocated {allocated:N0} bytes");
        Assert.True(vocabulary.ManagedBytes < 6L * 1024 * 1024, $"the vocabulary holds {vocabulary.ManagedBytes:N0} bytes");
        Assert.Equal(" the"u8.ToArray(), vocabulary.Token(vocabulary.Rank(" the"u8)).ToArray());
        Assert.Equal(-1, vocabulary.Rank("\u6f22\u6f22\u6f22\u6f22\u6f22\u6f22\u6f22\u6f22"u8));
    }

    [Fact]
    public void Counting_DoesNotAllocate()
    {
        string text = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog; 敏捷的棕色狐狸跳过了懒狗。 ", 20));
        var encoding = TiktokenEncoding.O200kBase;
        int expected = encoding.CountTokens(text);

        long total = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            total += encoding.CountTokens(text);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(100L * expected, total);
        // Zero in steady state; a regex runner may be created when another thread holds the cached one.
        Assert.True(allocated < 4096, $"100 counts allocated {allocated:N0} bytes");
    }

    [Fact]
    public void StreamingCounter_SteadyState_DoesNotAllocate()
    {
        var streaming = new TokenCounter().CreateStreamingCounter("gpt-4o");
        const string delta = "The quick brown fox, 敏捷的狐狸. ";
        for (int i = 0; i < 500; i++)
        {
            streaming.Append(delta);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5_000; i++)
        {
            streaming.Append(delta);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4096, $"150 KB of deltas allocated {allocated:N0} bytes");
        Assert.Equal(TiktokenEncoding.O200kBase.CountTokens(string.Concat(Enumerable.Repeat(delta, 5_500))), streaming.Count);
    }

    [Fact]
    public void CandorCore_DoesNotReferenceTheTokenizerLibrary() =>
        Assert.DoesNotContain(typeof(TokenCounter).Assembly.GetReferencedAssemblies(), a => a.Name == "Microsoft.ML.Tokenizers");

    [Fact]
    public void LoneSurrogates_AreEncodedAsTheirOwnCodePoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        int length = TiktokenEncoding.EncodeUtf8("a\ud800\ud83d\ude00", bytes);
        Assert.Equal(new byte[] { 0x61, 0xED, 0xA0, 0x80, 0xF0, 0x9F, 0x98, 0x80 }, bytes[..length].ToArray());
    }

    private static readonly string[] Alphabet =
    [
        "a", "b", "e", "s", "t", "d", "m", "l", "r", "v", "A", "S", "T", "D", "M", "L", "I", "x", "Z", "ſ", "\u212A",
        "0", "1", "7", "9", "٣", "½", " ", " ", " ", "  ", "\n", "\r", "\r\n", "\t", "\u00a0", "\u3000",
        "'", "'", "\"", ",", ".", "!", "?", "-", "_", "/", "\\", "(", ")", "{", "}", "[", "]", ":", ";", "#", "<", ">", "|",
        "é", "ñ", "ß", "Ω", "ж", "\u0301", "\u0308", "我", "们", "漢", "か", "ア", "한", "ع", "ب", "ש", "ก", "\u0e31",
        "😀", "👍", "🏽", "\u200d", "\ufe0f", "🇯", "\ud800", "\udc00", "\uFFFD", "\u200b",
        "<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>", "<|", "|>", "'s", "'LL", "'Re", "don", "The", "HTTP",
    ];

    internal static string RandomText(Random random, int length)
    {
        var sb = new StringBuilder();
        while (sb.Length < length)
        {
            sb.Append(Alphabet[random.Next(Alphabet.Length)]);
        }

        return sb.ToString();
    }

    private static List<(int, int)> Pieces(TiktokenEncoding encoding, string text)
    {
        var pieces = new List<(int, int)>();
        foreach (var piece in encoding.EnumeratePreTokens(text))
        {
            pieces.Add((piece.Offset, piece.Length));
        }

        return pieces;
    }

    private static List<(int, int)> OraclePieces(Tokenizer tokenizer, string text) =>
        tokenizer.PreTokenizer!.PreTokenize(text).Select(p => (p.Offset, p.Length)).ToList();

    private static string Escape(string text)
    {
        var sb = new StringBuilder();
        foreach (char c in text)
        {
            sb.Append(c is >= ' ' and < '\u007f' ? c.ToString() : $"\\u{(int)c:x4}");
        }

        return sb.ToString();
    }
}
