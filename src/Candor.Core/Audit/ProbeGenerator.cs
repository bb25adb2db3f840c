using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Candor.Core.Audit;

/// <summary>
/// Draws each round's probes from a large private space under the secret seed (<see cref="ProbeSecret"/>), so an
/// upstream cannot recognise them: a fixed public set could be answered honestly while everything else is served by a
/// cheaper model. Every probe is the HMAC-SHA256 pseudo-random function of the seed keyed by (target, round start,
/// round, index, attempt), expanded into choices: the language (English or Chinese), the kind of request (story,
/// explanation, list, advice, comparison, summary of a supplied text, code, translation, rewriting, a question with
/// a tool), the topic and its slots, the input length (a line to about 600 words), a system message or none, the
/// temperature, top_p, a max-tokens limit (none, a generous one, or a cap probe under a small one), a function tool,
/// and streaming. The space holds well over 10¹² distinct prompts before lengths and parameters; a bounded seen-set
/// of the prompt hashes sent by this process redraws the rare repeat, and the round start in the PRF input keeps
/// restarts from replaying a sequence. The draws need no seed material from the round's answers, so a probe reveals
/// nothing about the next one.
/// </summary>
internal sealed class ProbeGenerator(ProbeSecret secret)
{
    /// <summary>Probes remembered by the seen-set (oldest forgotten first).</summary>
    public const int SeenCapacity = 1 << 16;

    private readonly HashSet<ulong> _seen = [];
    private readonly Queue<ulong> _order = new();
    private readonly Lock _lock = new();

    /// <summary>The probes of one round of one target, in sending order.</summary>
    /// <param name="target">The target's key (channel and model): two targets never share a sequence.</param>
    /// <param name="roundStart">When the round starts (the PRF input, so a restart does not replay).</param>
    /// <param name="round">The target's round number.</param>
    /// <param name="count">How many probes.</param>
    public IReadOnlyList<Probe> Round(string target, DateTimeOffset roundStart, long round, int count)
    {
        var probes = new Probe[count];
        for (var i = 0; i < count; i++)
        {
            for (var attempt = 0; ; attempt++)
            {
                // After 16 draws that all repeat a probe (the short kinds' space fills up over tens of thousands of
                // probes), the prompt carries a drawn passage of context, which makes it new.
                var draw = new Draw(secret, target, roundStart.ToUnixTimeMilliseconds(), round, i, attempt);
                var probe = Make(ref draw, withContext: attempt >= 16);
                if (Remember(probe) || attempt >= 32)
                {
                    probes[i] = probe;
                    break;
                }
            }
        }

        return probes;
    }

    /// <summary>Adds the probe's hash to the seen-set; false when it was there (the caller draws again).</summary>
    private bool Remember(Probe probe)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(probe.System + "\u0000" + probe.Prompt), hash);
        var key = BinaryPrimitives.ReadUInt64LittleEndian(hash);
        lock (_lock)
        {
            if (!_seen.Add(key))
            {
                return false;
            }

            _order.Enqueue(key);
            if (_order.Count > SeenCapacity)
            {
                _seen.Remove(_order.Dequeue());
            }

            return true;
        }
    }

    private static Probe Make(ref Draw d, bool withContext)
    {
        var chinese = d.Chance(0.2);
        var bank = chinese ? ProbeBank.ChineseBank : ProbeBank.English;
        var cap = d.Chance(0.15);
        string kind;
        string prompt;
        if (cap)
        {
            kind = "cap";
            prompt = d.Fill(d.Pick(bank.LongAnswer), bank);
        }
        else
        {
            var k = d.Below(bank.Kinds.Length);
            kind = bank.Kinds[k].Name;
            prompt = d.Fill(d.Pick(bank.Kinds[k].Templates), bank);
            if (bank.Kinds[k].Name == "summary")
            {
                prompt += "\n\n" + d.Passage(bank, d.Chance(0.3) ? d.Range(150, 600) : d.Range(30, 150));
            }
            else if (withContext)
            {
                prompt = d.Passage(bank, d.Range(30, 150)) + "\n\n" + prompt;
            }
        }

        if (cap && withContext)
        {
            prompt = d.Passage(bank, d.Range(30, 150)) + "\n\n" + prompt;
        }

        ProbeTool? tool = !cap && d.Chance(0.12) ? d.Pick(ProbeBank.Tools) : null;
        int? max = cap ? d.Range(8, 33)
            : d.Chance(0.45) ? d.Pick(ProbeBank.MaxTokens)
            : null;
        double? temperature = d.Chance(0.6) ? null : d.Pick(ProbeBank.Temperatures);
        double? topP = d.Chance(0.85) ? null : d.Pick(ProbeBank.TopPs);
        return new Probe(kind, prompt, max)
        {
            System = d.Chance(0.35) ? d.Pick(bank.Systems) : null,
            Temperature = temperature,
            TopP = topP,
            Stream = d.Chance(0.55),
            Tool = tool,
            IsCap = cap,
        };
    }

    /// <summary>The draws of one probe: a SplitMix64 stream seeded by 64 bits of the PRF's output (never exposed).</summary>
    private struct Draw
    {
        private ulong _state;

        public Draw(ProbeSecret secret, string target, long roundStart, long round, int index, int attempt)
        {
            var message = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"candor.probe.v1\n{target}\n{roundStart}\n{round}\n{index}\n{attempt}"));
            Span<byte> mac = stackalloc byte[32];
            secret.Mac(message, mac);
            _state = BinaryPrimitives.ReadUInt64LittleEndian(mac);
        }

        public ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public int Below(int n) => (int)(Next() % (ulong)n);

        public int Range(int min, int maxExclusive) => min + Below(maxExclusive - min);

        public bool Chance(double p) => (Next() >> 11) * (1.0 / (1UL << 53)) < p;

        public T Pick<T>(IReadOnlyList<T> items) => items[Below(items.Count)];

        /// <summary>Replaces the template's slots ({topic}, {thing}, {n}, {audience}, {place}, {language}, {form},
        /// {sentence}) with drawn values.</summary>
        public string Fill(string template, ProbeBank bank)
        {
            var text = new StringBuilder(template.Length + 64);
            for (var i = 0; i < template.Length; i++)
            {
                if (template[i] != '{')
                {
                    text.Append(template[i]);
                    continue;
                }

                var end = template.IndexOf('}', i);
                var slot = template[(i + 1)..end];
                text.Append(slot switch
                {
                    "topic" => Pick(bank.Topics),
                    "thing" => Pick(bank.Things),
                    "audience" => Pick(bank.Audiences),
                    "place" => Pick(bank.Places),
                    "form" => Pick(bank.Forms),
                    "language" => Pick(ProbeBank.ProgrammingLanguages),
                    "task" => Pick(bank.Tasks),
                    "sentence" => Pick(bank.Sentences),
                    "n" => Range(2, 9).ToString(CultureInfo.InvariantCulture),
                    _ => slot,
                });
                i = end;
            }

            return text.ToString();
        }

        /// <summary>About <paramref name="words"/> words of text built from the bank's sentences and topics.</summary>
        public string Passage(ProbeBank bank, int words)
        {
            var text = new StringBuilder(words * 7);
            var count = 0;
            while (count < words)
            {
                var sentence = Fill(Pick(bank.Sentences), bank);
                text.Append(sentence).Append(bank.Chinese ? "" : " ");
                count += bank.Chinese ? Math.Max(1, sentence.Length / 2) : sentence.Split(' ').Length;
            }

            return text.ToString().TrimEnd();
        }
    }
}
