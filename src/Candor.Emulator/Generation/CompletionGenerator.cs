using Candor.Emulator.Faults;

namespace Candor.Emulator.Generation;

/// <summary>
/// Turns a <see cref="ChatQuery"/> into a deterministic <see cref="Completion"/>. The PRNG seed mixes the
/// emulator seed, the request's seed, the served model and the role/text/images of every message, so the
/// same conversation gets the same answer on every wire format.
/// </summary>
internal static class CompletionGenerator
{
    public const int MinDefaultTokens = 12;
    public const int MaxDefaultTokens = 40;

    /// <summary>The model name that, in <c>serve_model</c> and <c>mix_model</c>, stands for the requested model's cheaper sibling.</summary>
    public const string Cheaper = "cheaper";

    public static Completion Generate(ChatQuery query, FaultSpec spec, int emulatorSeed) =>
        Generate(query, spec, emulatorSeed, nonce: 0, cheaperModels: null);

    /// <param name="query">The request.</param>
    /// <param name="spec">Faults and dishonest modes.</param>
    /// <param name="emulatorSeed">The emulator's seed.</param>
    /// <param name="nonce">A number unique to this request: it seeds sampling when the request sets a temperature
    /// above 0 and no seed of its own, and the draw that decides whether <c>mix_model</c> serves this request.</param>
    /// <param name="cheaperModels">Configured (model → cheaper model) pairs; otherwise the cheaper sibling of X is X-mini.</param>
    public static Completion Generate(ChatQuery query, FaultSpec spec, int emulatorSeed, long nonce, IReadOnlyDictionary<string, string>? cheaperModels)
    {
        var servedModel = Resolve(spec.ServeModel, query.Model, cheaperModels) ?? query.Model;
        if (spec.MixModel is not null && spec.MixRate is > 0)
        {
            var draw = new SplitMix(Mix(emulatorSeed, nonce, "mix")).NextDouble();
            if (draw < spec.MixRate.Value)
            {
                servedModel = Resolve(spec.MixModel, query.Model, cheaperModels)!;
            }
        }

        var n = Math.Clamp(query.N, 1, 16);
        var choices = new List<GeneratedChoice>(n);
        for (var i = 0; i < n; i++)
        {
            choices.Add(GenerateChoice(query, spec, emulatorSeed, nonce, servedModel, i));
        }

        var prompt = TokenEstimator.Count(query);
        return new Completion
        {
            ServedModel = servedModel,
            ReportedModel = spec.ReportModel ?? query.Model,
            Choices = choices,
            PromptTokens = prompt,
            CachedTokens = Math.Clamp(spec.CachedTokens ?? 0, 0, prompt),
            InflatePercent = spec.InflateUsage ?? 0,
        };
    }

    /// <summary>Whether a <c>tool_args</c> directive holds a JSON object (a directive quoted inside another text, its quotes
    /// escaped, does not: the call's arguments are then generated).</summary>
    private static bool IsJsonObject(string? json)
    {
        if (json is null)
        {
            return false;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    public static bool IsReasoner(string model) => model.Contains("reasoner", StringComparison.OrdinalIgnoreCase);

    private static string? Resolve(string? name, string requested, IReadOnlyDictionary<string, string>? cheaperModels) =>
        name is null ? null
        : string.Equals(name, Cheaper, StringComparison.OrdinalIgnoreCase) ? ModelDistribution.CheaperSibling(requested, cheaperModels)
        : name;

    private static ulong Mix(int emulatorSeed, long nonce, string purpose)
    {
        var hash = new Hash();
        hash.Add(emulatorSeed);
        hash.Add(nonce);
        hash.Add(purpose);
        return hash.Value;
    }

    private static GeneratedChoice GenerateChoice(ChatQuery query, FaultSpec spec, int emulatorSeed, long nonce, string servedModel, int index)
    {
        var hash = new Hash();
        hash.Add(emulatorSeed);
        hash.Add(query.Seed ?? 0);

        // Sampling: a temperature above 0 without a request seed draws a fresh answer per request; temperature 0,
        // a request seed, or no temperature at all (for reproducible tests) answer the same conversation the same way.
        if (query.Temperature is > 0 && query.Seed is null)
        {
            hash.Add(nonce);
        }

        hash.Add(servedModel);
        foreach (var message in query.Messages)
        {
            hash.Add(message.Role);
            hash.Add(message.Text);
            hash.Add(message.Images);
        }

        hash.Add(index);
        var rng = new SplitMix(hash.Value);
        var distribution = ModelDistribution.For(servedModel);
        var temperature = query.Temperature ?? 1.0;
        var choice = new GeneratedChoice { Index = index };
        var budget = query.MaxTokens is > 0 ? query.MaxTokens.Value : int.MaxValue;

        if (query.Thinking || IsReasoner(servedModel))
        {
            var thinking = rng.Range(8, 21);
            if (query.ThinkingBudget is > 0)
            {
                thinking = Math.Min(thinking, query.ThinkingBudget.Value);
            }

            // Thinking counts against max tokens like it does upstream; leave at least one answer token.
            thinking = Math.Max(0, Math.Min(thinking, budget - 1));
            Words.Generate(rng, thinking, choice.ThinkingTokens, distribution, temperature);
            if (budget != int.MaxValue)
            {
                budget -= thinking;
            }
        }

        if (ShouldCallTools(query) && spec.Tool != "none")
        {
            var chosen = spec.Tool is { } named && query.Tools.Find(t => t.Name == named) is { } offered ? [offered] : PickTools(query);
            foreach (var tool in chosen)
            {
                var arguments = spec.Tool == tool.Name && IsJsonObject(spec.ToolArgs) ? spec.ToolArgs! : SchemaArguments.Generate(tool.Schema, rng);
                choice.ToolCalls.Add(new GeneratedToolCall(tool.Name, arguments, IdSuffix(rng)));
                choice.ToolTokens += 10 + (System.Text.Encoding.UTF8.GetByteCount(arguments) / 4);
            }

            choice.Finish = FinishKind.ToolUse;
            return choice;
        }

        List<string> tokens;
        if (spec.Reply is not null)
        {
            tokens = Words.Tokenize(spec.Reply);
        }
        else
        {
            var target = spec.Tokens ?? rng.Range(MinDefaultTokens, MaxDefaultTokens + 1);
            tokens = [];
            var images = query.ImageCount;
            if (images > 0)
            {
                tokens.AddRange(Words.Tokenize(Words.ImagePrefix(images)));
            }

            Words.Generate(rng, Math.Max(0, target - tokens.Count), tokens, distribution, temperature);
            if (tokens.Count > target)
            {
                tokens.RemoveRange(target, tokens.Count - target);
            }
        }

        // A silently lowered cap looks like a natural end: the finish reason stays "stop".
        if (spec.LowerMaxTokens is >= 0 && tokens.Count > spec.LowerMaxTokens.Value)
        {
            tokens.RemoveRange(spec.LowerMaxTokens.Value, tokens.Count - spec.LowerMaxTokens.Value);
        }

        choice.Finish = FinishKind.Stop;
        ApplyStop(query.Stop, tokens, choice);
        if (tokens.Count > budget)
        {
            tokens.RemoveRange(budget, tokens.Count - budget);
            choice.Finish = FinishKind.Length;
            choice.MatchedStop = null;
        }

        choice.TextTokens.AddRange(tokens);
        return choice;
    }

    private static void ApplyStop(List<string> stops, List<string> tokens, GeneratedChoice choice)
    {
        if (stops.Count == 0)
        {
            return;
        }

        var text = string.Concat(tokens);
        var best = -1;
        string? matched = null;
        foreach (var stop in stops)
        {
            if (string.IsNullOrEmpty(stop))
            {
                continue;
            }

            var at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (best < 0 || at < best))
            {
                best = at;
                matched = stop;
            }
        }

        if (best < 0)
        {
            return;
        }

        // Keep every token that starts before the match; the one the match falls in is cut short.
        var offset = 0;
        var keep = 0;
        for (; keep < tokens.Count && offset < best; keep++)
        {
            var end = offset + tokens[keep].Length;
            if (end > best)
            {
                tokens[keep] = tokens[keep][..(best - offset)];
            }

            offset = end;
        }

        tokens.RemoveRange(keep, tokens.Count - keep);
        choice.Finish = FinishKind.StopSequence;
        choice.MatchedStop = matched;
    }

    private static bool ShouldCallTools(ChatQuery query) =>
        query.Tools.Count > 0 && query.ToolMode != ToolMode.None && query.LastIsUserTurn;

    private static IEnumerable<QueryTool> PickTools(ChatQuery query)
    {
        if (query.ToolMode == ToolMode.Forced && query.ForcedTool is { } forced)
        {
            yield return query.Tools.FirstOrDefault(t => t.Name == forced) ?? new QueryTool(forced, null, default);
            yield break;
        }

        yield return query.Tools[0];
        var wantsParallel = query.ParallelToolCalls && query.Tools.Count >= 2 &&
            query.Messages.Any(m => m.Role == "user" && ContainsWord(m.Text, "parallel"));
        if (wantsParallel)
        {
            yield return query.Tools[1];
        }
    }

    private static bool ContainsWord(string text, string word)
    {
        var at = 0;
        while ((at = text.IndexOf(word, at, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            var before = at == 0 || !char.IsLetterOrDigit(text[at - 1]);
            var afterIndex = at + word.Length;
            var after = afterIndex >= text.Length || !char.IsLetterOrDigit(text[afterIndex]);
            if (before && after)
            {
                return true;
            }

            at = afterIndex;
        }

        return false;
    }

    private static string IdSuffix(SplitMix rng)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        Span<char> chars = stackalloc char[24];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[rng.Range(0, alphabet.Length)];
        }

        return new string(chars);
    }
}
