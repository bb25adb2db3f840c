using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Candor.Protocols.Canonical;

namespace Candor.Core.Audit;

/// <summary>
/// Makes each round's probes under the secret seed (<see cref="ProbeSecret"/>), so an upstream cannot recognise them: a
/// fixed public set could be answered honestly while everything else is served by a cheaper model. A probe's prompt
/// comes from the private bank (<see cref="PrivateProbeBank"/>: prompts the trusted reference wrote or the operator
/// supplied, each sent once), and only when the bank runs short from the public grammar (<see cref="ProbeBank"/>),
/// which an upstream that knows the source can recognise (docs/audits.md). Every draw is the HMAC-SHA256
/// pseudo-random function of the seed keyed by (target, round start, round, index, attempt), expanded into choices.
/// The probe's shape — language, kind of request, long answer or not, max tokens, temperature, top_p, system message,
/// tool, streaming — is drawn once per probe (attempt 0); its max tokens from the limits client traffic sends on the
/// channel's surface (<see cref="TrafficLimits"/>), so no limit marks a probe, so the mix holds steady however full the space gets; only
/// the content of a public-grammar prompt is redrawn when it repeats one this process sent (a bounded seen-set), and
/// after 16 repeats it carries a drawn passage, which makes it new. The round start in the PRF input keeps restarts
/// from replaying a sequence, and the draws need no seed material from the round's answers, so a probe reveals
/// nothing about the next one.
/// </summary>
internal sealed class ProbeGenerator(ProbeSecret secret, PrivateProbeBank? bank = null, TrafficLimits? limits = null)
{
    /// <summary>Probes remembered by the seen-set (oldest forgotten first).</summary>
    public const int SeenCapacity = 1 << 16;

    private readonly HashSet<ulong> _seen = [];
    private readonly Queue<ulong> _order = new();
    private readonly Lock _lock = new();

    /// <summary>The private bank, or null when probes come from the public grammar only (unit tests).</summary>
    public PrivateProbeBank? Bank => bank;

    /// <summary>The probes of one round of one target, in sending order: private prompts first, as many as the bank
    /// holds, then public-grammar ones.</summary>
    /// <param name="target">The target's key (channel and model): two targets never share a sequence.</param>
    /// <param name="roundStart">When the round starts (the PRF input, so a restart does not replay).</param>
    /// <param name="round">The target's round number.</param>
    /// <param name="count">How many probes.</param>
    /// <param name="surface">The channel's wire, whose traffic's limits the probes' max tokens follow.</param>
    public IReadOnlyList<Probe> Round(string target, DateTimeOffset roundStart, long round, int count, WireProtocol surface = WireProtocol.OpenAI)
    {
        var start = roundStart.ToUnixTimeMilliseconds();
        var pending = new Queue<ProbeBankEntry>();
        var probes = new Probe[count];
        for (var i = 0; i < count; i++)
        {
            var shape = new Draw(secret, Domain, target, start, round, i, 0);
            if (NextPrivate(shape, pending, count - i, surface) is { } made)
            {
                probes[i] = made;
                continue;
            }

            for (var attempt = 0; ; attempt++)
            {
                // After 16 draws that all repeat a probe (the short kinds' space fills up over tens of thousands of
                // probes), the prompt carries a drawn passage of context, which makes it new.
                var sameShape = shape;
                var content = new Draw(secret, Domain, target, start, round, i, attempt + 1);
                var probe = Make(ref sameShape, ref content, withContext: attempt >= 16, surface);
                if (Remember(probe) || attempt >= 32)
                {
                    probes[i] = probe;
                    break;
                }
            }
        }

        return probes;
    }

    /// <summary>The next private prompt as a probe of <paramref name="shape"/>, skipping any this process already sent
    /// (a reference may write the same short message twice); null when the bank is empty.</summary>
    private Probe? NextPrivate(Draw shape, Queue<ProbeBankEntry> pending, int stillNeeded, WireProtocol surface)
    {
        while (bank is not null)
        {
            if (pending.Count == 0)
            {
                foreach (var entry in bank.TakeEntries(stillNeeded))
                {
                    pending.Enqueue(entry);
                }

                if (pending.Count == 0)
                {
                    return null;
                }
            }

            var sameShape = shape;
            var probe = MakePrivate(ref sameShape, pending.Dequeue(), surface);
            if (Remember(probe))
            {
                return probe;
            }
        }

        return null;
    }

    /// <summary>The <paramref name="index"/>-th request of a round asking the target's reference to write prompts for the
    /// private bank (<see cref="ProbeWriter"/>): a broad area, a kind and a style drawn under the seed, a fifth of them
    /// in Chinese; about one in eight asks instead for prompts that each come with a function tool the reference writes
    /// (<see cref="ProbeWriter.ToolRequest"/>).</summary>
    public Probe WritingRequest(string target, DateTimeOffset at, long round, int index)
    {
        var d = new Draw(secret, WritingDomain, target, at.ToUnixTimeMilliseconds(), round, index, 0);
        var chinese = d.Chance(0.2);
        var area = d.Pick(ProbeWriter.Areas);
        var kind = d.Pick(ProbeWriter.Kinds);
        var style = d.Pick(ProbeWriter.Styles);
        if (d.Chance(ProbeWriter.ToolShare))
        {
            return new Probe(ProbeWriter.WriteTool, ProbeWriter.ToolRequest(chinese, area, style, ProbeWriter.ToolsPerRequest), 3000) { Temperature = 1.0 };
        }

        var prompt = ProbeWriter.Request(chinese, area, kind, style, ProbeWriter.PerRequest);
        return new Probe(string.Equals(kind, ProbeWriter.LongKind, StringComparison.Ordinal) ? ProbeWriter.WriteLong : ProbeWriter.Write, prompt, 3000) { Temperature = 1.0 };
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

    private const string Domain = "candor.probe.v2";

    private const string WritingDomain = "candor.probe.write.v1";

    /// <summary>A probe carrying a private entry: the same parameter mix as the public kinds, max tokens as traffic sends
    /// them, the tool the reference wrote with the prompt if any, and no system message or public tool, whose texts are
    /// in the public source and would mark the request. A long-answer prompt is a cap check when its limit is reached.</summary>
    private Probe MakePrivate(ref Draw shape, ProbeBankEntry entry, WireProtocol surface)
    {
        var max = Limit(ref shape, surface);
        double? temperature = shape.Chance(0.6) ? null : shape.Pick(ProbeBank.Temperatures);
        double? topP = shape.Chance(0.85) ? null : shape.Pick(ProbeBank.TopPs);
        return new Probe(entry.Tool is not null ? "tool" : entry.LongAnswer ? "cap" : "private", entry.Prompt, max)
        {
            Temperature = temperature,
            TopP = topP,
            Stream = shape.Chance(0.55),
            Tool = entry.Tool,
            IsCap = entry.LongAnswer,
            IsPrivate = true,
        };
    }

    /// <summary>A max-tokens limit drawn as client traffic on <paramref name="surface"/> sends them (null: none).</summary>
    private int? Limit(ref Draw shape, WireProtocol surface)
    {
        var u = shape.Unit();
        return limits is null ? TrafficLimits.PickDefault(u) : limits.Pick(surface, u);
    }

    /// <summary>A public-grammar probe: its shape from <paramref name="s"/>, its words from <paramref name="c"/>.</summary>
    private Probe Make(ref Draw s, ref Draw c, bool withContext, WireProtocol surface)
    {
        var chinese = s.Chance(0.2);
        var bank = chinese ? ProbeBank.ChineseBank : ProbeBank.English;
        var cap = s.Chance(0.15);
        var k = s.Below(bank.Kinds.Length);
        ProbeTool? tool = !cap && s.Chance(0.12) ? s.Pick(ProbeBank.Tools) : null;
        var max = Limit(ref s, surface);
        double? temperature = s.Chance(0.6) ? null : s.Pick(ProbeBank.Temperatures);
        double? topP = s.Chance(0.85) ? null : s.Pick(ProbeBank.TopPs);
        var hasSystem = s.Chance(0.35);
        var stream = s.Chance(0.55);

        // An opener and a closer around the template (often none) multiply the short kinds' space.
        var prompt = c.Pick(bank.Openers) + c.Fill(c.Pick(cap ? bank.LongAnswer : bank.Kinds[k].Templates), bank) + c.Pick(bank.Closers);
        if (!cap)
        {
            if (bank.Kinds[k].Name == "summary")
            {
                prompt += "\n\n" + c.Passage(bank, c.Chance(0.3) ? c.Range(150, 600) : c.Range(30, 150));
            }
        }

        if (withContext && (cap || bank.Kinds[k].Name != "summary"))
        {
            prompt = c.Passage(bank, c.Range(30, 150)) + "\n\n" + prompt;
        }

        return new Probe(cap ? "cap" : bank.Kinds[k].Name, prompt, max)
        {
            System = hasSystem ? c.Pick(bank.Systems) : null,
            Temperature = temperature,
            TopP = topP,
            Stream = stream,
            Tool = tool,
            IsCap = cap,
        };
    }

    /// <summary>The draws of one probe: a SplitMix64 stream seeded by 64 bits of the PRF's output (never exposed).</summary>
    private struct Draw
    {
        private ulong _state;

        public Draw(ProbeSecret secret, string domain, string target, long roundStart, long round, int index, int attempt)
        {
            var message = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"{domain}\n{target}\n{roundStart}\n{round}\n{index}\n{attempt}"));
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

        public double Unit() => (Next() >> 11) * (1.0 / (1UL << 53));

        public bool Chance(double p) => Unit() < p;

        public T Pick<T>(IReadOnlyList<T> items) => items[Below(items.Count)];

        /// <summary>Replaces the template's slots ({topic}, {thing}, {n}, {audience}, {place}, {language}, {form},
        /// {sentence}, {num}, {order}) with drawn values.</summary>
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
                    "sentence" => Fill(Pick(bank.Sentences), bank),
                    "n" => Range(2, 9).ToString(CultureInfo.InvariantCulture),
                    "num" => Range(12, 10_000).ToString(CultureInfo.InvariantCulture),
                    "order" => Range(10_000, 100_000).ToString(CultureInfo.InvariantCulture),
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
