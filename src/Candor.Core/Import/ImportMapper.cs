using System.Globalization;
using System.Net;
using System.Text.Json;
using Candor.Core.Accounting;
using Candor.Core.Accounts;
using Candor.Core.Accounts.Redemptions;
using Candor.Core.Admission;
using Candor.Core.Channels;
using Candor.Core.Security;

namespace Candor.Core.Import;

/// <summary>Turns a one-api or new-api database into an <see cref="ImportPlan"/>: pure, no I/O. Money is converted
/// from quota units at <see cref="ImportSettings.QuotaPerUsd"/> and rounded to the nearest micro-USD (halves away from
/// zero); token secrets are hashed as clients send them (<c>sk-</c> + key); channel credentials are sealed under the
/// master key ring. Rows already recorded as imported are counted, not planned. docs/migrate.md is the reference.</summary>
internal sealed class ImportMapper(ImportSettings settings, KeyHasher hasher, MasterKeyRing? ring)
{
    private readonly List<ImportIssue> _issues = [];
    private readonly Dictionary<string, int> _already = new(StringComparer.Ordinal);

    /// <summary>The plan for <paramref name="source"/>, given what earlier runs imported (<c>kind:id</c> → Candor id).</summary>
    public ImportPlan Map(SourceDatabase source, IReadOnlyDictionary<string, string> imported)
    {
        var accounts = MapUsers(source, imported, out var accountIds);
        return new ImportPlan
        {
            Source = settings.Source,
            QuotaPerUsd = settings.QuotaPerUsd,
            Accounts = accounts,
            Keys = MapTokens(source, imported, accountIds),
            Channels = MapChannels(source, imported),
            Prices = MapPrices(source, imported),
            Groups = MapGroups(source, imported),
            Codes = MapRedemptions(source, imported),
            Issues = [.. _issues],
            AlreadyImported = new Dictionary<string, int>(_already, StringComparer.Ordinal),
        };
    }

    /// <summary>Quota units → micro-USD, rounded to the nearest micro-USD, halves away from zero.</summary>
    public static long QuotaToMicros(decimal quota, decimal quotaPerUsd) =>
        (long)Math.Round(quota * Micros.PerUnit / quotaPerUsd, MidpointRounding.AwayFromZero);

    private bool Seen(IReadOnlyDictionary<string, string> imported, string kind, string id)
    {
        if (!imported.ContainsKey(kind + ":" + id))
        {
            return false;
        }

        _already[kind] = _already.GetValueOrDefault(kind) + 1;
        return true;
    }

    private void Skip(string kind, string id, string reason) => _issues.Add(new ImportIssue(kind, id, reason));

    private void Partly(string kind, string id, string reason) => _issues.Add(new ImportIssue(kind, id, reason, Imported: true));

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset Seconds(long unix, DateTimeOffset fallback) =>
        unix > 0 && unix < 253_402_300_799 ? DateTimeOffset.FromUnixTimeSeconds(unix) : fallback;

    private List<ImportPlan.PlannedAccount> MapUsers(SourceDatabase source, IReadOnlyDictionary<string, string> imported, out Dictionary<long, string> accountIds)
    {
        accountIds = [];
        var planned = new List<ImportPlan.PlannedAccount>();
        foreach (var user in source.Users)
        {
            string id = Id(user.Id);
            if (imported.TryGetValue(ImportKind.User + ":" + id, out string? existing))
            {
                accountIds[user.Id] = existing;
                _already[ImportKind.User] = _already.GetValueOrDefault(ImportKind.User) + 1;
                continue;
            }

            if (user.Deleted || user.Status == 3)
            {
                Skip(ImportKind.User, id, "the user is deleted in the source");
                continue;
            }

            var now = settings.Now;
            string group = string.IsNullOrWhiteSpace(user.Group) ? Account.DefaultGroup : user.Group.Trim();
            string name = !string.IsNullOrWhiteSpace(user.DisplayName) ? user.DisplayName.Trim() : user.Username.Trim();
            var account = new Account(EntityIds.New(EntityIds.Account), name.Length > 0 ? name : "user " + id, group, now, Disabled: user.Status == 2);
            string? owner = !string.IsNullOrWhiteSpace(user.Email) ? user.Email.Trim().ToLowerInvariant()
                : !string.IsNullOrWhiteSpace(user.Username) ? user.Username.Trim() : null;
            if (owner is null)
            {
                Partly(ImportKind.User, id, "the user has neither e-mail nor username: the account gets no member");
            }

            if (user.Role >= 10)
            {
                Partly(ImportKind.User, id, "the user is an administrator in the source; Candor operators use operator keys, so the account is an ordinary one");
            }

            LedgerEntry? opening = null;
            if (user.Quota != 0)
            {
                long micros = QuotaToMicros(user.Quota, settings.QuotaPerUsd);
                opening = micros == 0 ? null : new LedgerEntry
                {
                    Id = EntityIds.NewSequential(EntityIds.Ledger, now),
                    AccountId = account.Id,
                    Kind = micros > 0 ? LedgerKind.TopUp : LedgerKind.Adjustment,
                    AmountMicros = micros,
                    CreatedAt = now,
                    Note = string.Create(CultureInfo.InvariantCulture, $"opening balance imported from {settings.Source} user {id} ({user.Quota} quota)"),
                };
            }

            accountIds[user.Id] = account.Id;
            planned.Add(new ImportPlan.PlannedAccount(id, account, owner, opening));
        }

        return planned;
    }

    private List<ImportPlan.PlannedKey> MapTokens(SourceDatabase source, IReadOnlyDictionary<string, string> imported, Dictionary<long, string> accountIds)
    {
        var planned = new List<ImportPlan.PlannedKey>();
        var groups = source.Users.ToDictionary(static u => u.Id, static u => u.Group);
        foreach (var token in source.Tokens)
        {
            string id = Id(token.Id);
            if (Seen(imported, ImportKind.Token, id))
            {
                continue;
            }

            string? problem = token switch
            {
                { Deleted: true } => "the token is deleted in the source",
                { Status: 2 } => "the token is disabled in the source (a Candor key cannot be re-enabled; create a new key if the owner wants one)",
                { Status: 3 } => "the token has expired",
                _ when token.ExpiredTime != -1 && token.ExpiredTime <= settings.Now.ToUnixTimeSeconds() => "the token has expired",
                _ when string.IsNullOrWhiteSpace(token.Key) => "the token has no key",
                _ when !accountIds.ContainsKey(token.UserId) => $"its user {Id(token.UserId)} is not imported",
                _ => null,
            };
            if (problem is not null)
            {
                Skip(ImportKind.Token, id, problem);
                continue;
            }

            var cidrs = new List<string>();
            foreach (string entry in Split(token.Subnets, ',', '\n', '\r'))
            {
                if (Cidr(entry) is not { } cidr)
                {
                    problem = $"the allowed address '{entry}' is not an address or CIDR range (importing the key without it would widen its access)";
                    break;
                }

                cidrs.Add(cidr);
            }

            var limits = new ApiKeyLimits
            {
                ExpiresAt = token.ExpiredTime == -1 ? null : DateTimeOffset.FromUnixTimeSeconds(token.ExpiredTime),
                AllowedModels = [.. Split(token.Models, ',').Distinct(StringComparer.Ordinal)],
                AllowedCidrs = cidrs,
                BudgetMicros = token.UnlimitedQuota ? null : QuotaToMicros(Math.Max(0, token.RemainQuota), settings.QuotaPerUsd),
            };
            problem ??= limits.Validate();
            if (problem is not null)
            {
                Skip(ImportKind.Token, id, problem);
                continue;
            }

            if (!string.IsNullOrWhiteSpace(token.Group) && token.Group != groups.GetValueOrDefault(token.UserId))
            {
                Partly(ImportKind.Token, id, $"the token's own group '{token.Group}' is not kept: Candor prices by the account's group");
            }

            // Clients send one-api and new-api keys as "sk-" + the stored key; that is the string hashed.
            string secret = token.Key.StartsWith("sk-", StringComparison.Ordinal) ? token.Key.Trim() : "sk-" + token.Key.Trim();
            planned.Add(new ImportPlan.PlannedKey(id, EntityIds.New(EntityIds.Key), accountIds[token.UserId],
                string.IsNullOrWhiteSpace(token.Name) ? "imported token " + id : token.Name.Trim(),
                hasher.Hash(secret), ApiKeyFormat.DisplayPrefix(secret), Seconds(token.CreatedTime, settings.Now), limits));
        }

        return planned;
    }

    private List<ImportPlan.PlannedChannel> MapChannels(SourceDatabase source, IReadOnlyDictionary<string, string> imported)
    {
        var planned = new List<ImportPlan.PlannedChannel>();
        // The source tries the highest priority first; Candor tries tier 0 first: rank the distinct priorities.
        var tiers = source.Channels.Select(static c => c.Priority).Distinct().OrderDescending().ToList();
        foreach (var channel in source.Channels)
        {
            string id = Id(channel.Id);
            if (Seen(imported, ImportKind.Channel, id))
            {
                continue;
            }

            if (ChannelTypeMap.Find(settings.Flavor, channel.Type) is not { } type)
            {
                Skip(ImportKind.Channel, id, $"channel type {channel.Type} has no Candor provider");
                continue;
            }

            if (ChannelTypeMap.BaseUrl(type, channel.BaseUrl) is not { } baseUrl)
            {
                Skip(ImportKind.Channel, id, $"the {type.Name} channel has no usable base URL");
                continue;
            }

            var keys = channel.Key.Trim().Length == 0 ? [""] : Split(channel.Key, '\n', '\r').ToList();
            if (keys.Count == 0 || (keys[0].Length == 0 && type.Provider != "ollama"))
            {
                Skip(ImportKind.Channel, id, "the channel has no key");
                continue;
            }

            if (ring is null && keys[0].Length > 0)
            {
                Skip(ImportKind.Channel, id, "no master key to seal the channel's credential with");
                continue;
            }

            var models = Split(channel.Models, ',').Distinct(StringComparer.Ordinal).ToList();
            if (models.Count == 0)
            {
                Skip(ImportKind.Channel, id, "the channel serves no models");
                continue;
            }

            var mapping = ModelMapping(channel.ModelMapping, id);
            foreach (string dropped in channel.Dropped)
            {
                Partly(ImportKind.Channel, id, $"'{dropped}' is not kept: Candor has no equivalent");
            }

            if (Split(channel.Group, ',').Any(static g => g != Account.DefaultGroup))
            {
                Partly(ImportKind.Channel, id, $"its groups ({channel.Group}) are not kept: a Candor deployment serves accounts of every group");
            }

            int tier = tiers.IndexOf(channel.Priority);
            for (int i = 0; i < keys.Count; i++)
            {
                string candorId = $"{Slug(settings.Source)}-{id}" + (i == 0 ? "" : "-" + (i + 1).ToString(CultureInfo.InvariantCulture));
                var stored = new StoredChannel
                {
                    Id = candorId,
                    Provider = type.Provider,
                    BaseUrl = baseUrl,
                    ApiVersion = type.Provider == "azure" && !string.IsNullOrWhiteSpace(channel.ApiVersion) ? channel.ApiVersion.Trim() : null,
                    Disabled = channel.Status != 1,
                    DisabledReason = channel.Status switch
                    {
                        1 => null,
                        3 => $"disabled automatically in {settings.Source}",
                        _ => $"disabled in {settings.Source}",
                    },
                    SealedCredential = keys[i].Length == 0 ? null : ChannelCredentials.Seal(ring!, candorId, keys[i]),
                    CreatedAt = settings.Now,
                    UpdatedAt = settings.Now,
                };
                var deployments = models.Select(m => new StoredDeployment(
                    EntityIds.New("dep"), m, candorId, mapping.GetValueOrDefault(m, m), tier, (int)Math.Clamp(channel.Weight, 1, 1000), settings.Now)).ToList();
                planned.Add(new ImportPlan.PlannedChannel(i == 0 ? id : $"{id}#{i + 1}", stored, deployments));
            }
        }

        return planned;
    }

    private Dictionary<string, string> ModelMapping(string? json, string channelId)
    {
        var mapping = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return mapping;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is { Length: > 0 } upstream)
                {
                    mapping[property.Name] = upstream;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            Partly(ImportKind.Channel, channelId, "its model mapping is not a JSON object of names: models are sent upstream unmapped");
        }

        return mapping;
    }

    private List<ImportPlan.PlannedPrice> MapPrices(SourceDatabase source, IReadOnlyDictionary<string, string> imported)
    {
        var ratios = Ratios(source, "ModelRatio");
        var completion = Ratios(source, "CompletionRatio");
        var cache = Ratios(source, "CacheRatio");
        var perCall = Ratios(source, "ModelPrice");
        var planned = new List<ImportPlan.PlannedPrice>();
        foreach (string model in ratios.Keys.Union(perCall.Keys).Order(StringComparer.Ordinal))
        {
            if (Seen(imported, ImportKind.ModelPrice, model))
            {
                continue;
            }

            PriceOverride price;
            if (perCall.TryGetValue(model, out decimal usd))
            {
                // new-api's ModelPrice is USD per call, whatever the tokens.
                price = new PriceOverride(model, null) { Input = 0, Output = 0, PerRequest = (long)Math.Round(usd * Micros.PerUnit, MidpointRounding.AwayFromZero) };
            }
            else
            {
                // A ratio of 1 is 1 quota per token: per million tokens, ratio × 10^6 quota = ratio × 10^12 / quota-per-USD micro-USD.
                decimal ratio = ratios[model];
                long input = QuotaToMicros(ratio * 1_000_000m, settings.QuotaPerUsd);
                if (!completion.TryGetValue(model, out decimal outputRatio))
                {
                    outputRatio = 1;
                    Partly(ImportKind.ModelPrice, model, "no CompletionRatio is stored for it (the source falls back to built-in defaults): output is priced as input; check it");
                }

                price = new PriceOverride(model, null)
                {
                    Input = input,
                    Output = QuotaToMicros(ratio * outputRatio * 1_000_000m, settings.QuotaPerUsd),
                    CachedInput = cache.TryGetValue(model, out decimal cached) ? QuotaToMicros(ratio * cached * 1_000_000m, settings.QuotaPerUsd) : null,
                };
            }

            if (price.Validate() is { } problem)
            {
                Skip(ImportKind.ModelPrice, model, $"{problem.Field}: {problem.Message}");
                continue;
            }

            planned.Add(new ImportPlan.PlannedPrice(model, price with { UpdatedAt = settings.Now }));
        }

        return planned;
    }

    private List<ImportPlan.PlannedGroup> MapGroups(SourceDatabase source, IReadOnlyDictionary<string, string> imported)
    {
        var planned = new List<ImportPlan.PlannedGroup>();
        foreach (var (group, ratio) in Ratios(source, "GroupRatio").OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            if (Seen(imported, ImportKind.GroupRatio, group))
            {
                continue;
            }

            long ppm = (long)Math.Round(ratio * Micros.PerUnit, MidpointRounding.AwayFromZero);
            if (ppm is < 0 or > PriceMultiplier.MaxPartsPerMillion)
            {
                Skip(ImportKind.GroupRatio, group, "the ratio is outside Candor's multipliers (0 to 1000)");
                continue;
            }

            planned.Add(new ImportPlan.PlannedGroup(group, group, new PriceMultiplier(ppm)));
        }

        return planned;
    }

    private List<ImportPlan.PlannedCode> MapRedemptions(SourceDatabase source, IReadOnlyDictionary<string, string> imported)
    {
        var planned = new List<ImportPlan.PlannedCode>();
        foreach (var code in source.Redemptions)
        {
            string id = Id(code.Id);
            if (Seen(imported, ImportKind.Redemption, id))
            {
                continue;
            }

            long micros = QuotaToMicros(code.Quota, settings.QuotaPerUsd);
            string? problem = code switch
            {
                { Deleted: true } => "the code is deleted in the source",
                { Status: 3 } => "the code was already redeemed",
                { Status: 2 } => "the code is disabled in the source",
                _ when code.ExpiredTime > 0 && code.ExpiredTime <= settings.Now.ToUnixTimeSeconds() => "the code has expired",
                _ when RedemptionCodeFormat.Normalize(code.Key) is null => "the code has no key",
                _ when micros <= 0 => "the code is worth nothing",
                _ => null,
            };
            if (problem is not null)
            {
                Skip(ImportKind.Redemption, id, problem);
                continue;
            }

            var record = new RedemptionCode
            {
                Id = EntityIds.New("rcd"),
                BatchId = $"import:{settings.Source}",
                AmountMicros = micros,
                CreatedAt = Seconds(code.CreatedTime, settings.Now),
                ExpiresAt = code.ExpiredTime > 0 ? DateTimeOffset.FromUnixTimeSeconds(code.ExpiredTime) : null,
                Note = string.IsNullOrWhiteSpace(code.Name) ? $"imported from {settings.Source}" : code.Name.Trim(),
            };
            planned.Add(new ImportPlan.PlannedCode(id, record, hasher.Hash(RedemptionCodeFormat.Normalize(code.Key)!)));
        }

        return planned;
    }

    /// <summary>An options entry that holds a JSON object of numbers (name → ratio); entries that are not numbers are reported.</summary>
    private Dictionary<string, decimal> Ratios(SourceDatabase source, string option)
    {
        var ratios = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (!source.Options.TryGetValue(option, out string? json) || string.IsNullOrWhiteSpace(json))
        {
            return ratios;
        }

        string kind = option == "GroupRatio" ? ImportKind.GroupRatio : ImportKind.ModelPrice;
        try
        {
            using var document = JsonDocument.Parse(json);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetDecimal(out decimal value) && value >= 0)
                {
                    ratios[property.Name] = value;
                }
                else
                {
                    Skip(kind, property.Name, $"its {option} is not a non-negative number");
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            Skip(kind, option, $"the {option} option is not a JSON object");
        }

        return ratios;
    }

    private static IEnumerable<string> Split(string? text, params char[] separators) =>
        (text ?? "").Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>An address (→ a single-address range) or a CIDR range, as Candor writes it; null when neither.</summary>
    private static string? Cidr(string entry)
    {
        if (entry.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(entry, out var network) && network.ToString() == entry ? entry : null;
        }

        return IPAddress.TryParse(entry, out var address)
            ? $"{address}/{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32)}"
            : null;
    }

    private static string Slug(string source) =>
        new([.. source.Select(static c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-')]);
}
