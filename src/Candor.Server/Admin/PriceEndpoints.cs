using System.Text.Json;
using Candor.Core.Accounting;

namespace Candor.Server.Admin;

/// <summary>Prices: the effective table with each price's layer (shipped file, <c>server.prices</c> files, stored
/// overrides), overrides per model and per channel, and account-group multipliers. Every write reloads the
/// in-memory table before it answers, so the next admitted request is priced by it.
/// CLI: <c>candor prices list|set|unset</c>.</summary>
internal static class PriceEndpoints
{
    private static readonly string[] PriceFields =
    [
        "input_per_million_micros", "output_per_million_micros", "cached_input_per_million_micros",
        "cache_write_per_million_micros", "reasoning_per_million_micros", "per_request_micros",
    ];

    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(10);

    public static void MapPrices(this RouteGroupBuilder admin)
    {
        admin.MapGet("/prices", AdminEndpoints.Guard(ListAsync));
        admin.MapPut("/prices/models/{model}", AdminEndpoints.Guard(http => SetAsync(http, channel: false)));
        admin.MapDelete("/prices/models/{model}", AdminEndpoints.Guard(http => UnsetAsync(http, channel: false)));
        admin.MapPut("/prices/models/{model}/channels/{channel}", AdminEndpoints.Guard(http => SetAsync(http, channel: true)));
        admin.MapDelete("/prices/models/{model}/channels/{channel}", AdminEndpoints.Guard(http => UnsetAsync(http, channel: true)));
        admin.MapGet("/prices/groups", AdminEndpoints.Guard(ListGroupsAsync));
        admin.MapPut("/prices/groups/{group}", AdminEndpoints.Guard(SetGroupAsync));
        admin.MapDelete("/prices/groups/{group}", AdminEndpoints.Guard(UnsetGroupAsync));
    }

    private static Task ListAsync(HttpContext http)
    {
        var book = http.RequestServices.GetRequiredService<PriceBook>();
        string? model = http.Request.Query["model"].ToString() is { Length: > 0 } m ? m : null;
        var rows = book.List().Where(r => model is null || string.Equals(r.Model, model, StringComparison.Ordinal)).ToList();
        return ListSlice.WriteAsync(http, rows, static r => r.Model + "\n" + r.Channel, AdminJson.Price);
    }

    private static async Task SetAsync(HttpContext http, bool channel)
    {
        var (model, channelId) = Names(http, channel);
        PriceOverride price;
        using (var body = await AdminHttp.ReadObjectAsync(http, PriceFields).ConfigureAwait(false))
        {
            price = ReadPrice(body.RootElement, model, channelId);
        }

        if (price.Validate() is { } problem)
        {
            throw new AdminInputException(problem.Field, problem.Message + ".");
        }

        var book = http.RequestServices.GetRequiredService<PriceBook>();
        if (channelId is not null && !book.Current.Models.ContainsKey(model))
        {
            throw new AdminInputException("model", $"The model '{model}' has no price of its own; set it before a channel's.");
        }

        await http.RequestServices.GetRequiredService<IPriceStore>().SetPriceAsync(price, http.RequestAborted).ConfigureAwait(false);
        await ReloadAsync(book).ConfigureAwait(false);
        var row = book.List().First(r => r.Model == model && r.Channel == channelId);
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w => AdminJson.Price(w, row)).ConfigureAwait(false);
    }

    private static async Task UnsetAsync(HttpContext http, bool channel)
    {
        var (model, channelId) = Names(http, channel);
        if (!await http.RequestServices.GetRequiredService<IPriceStore>().RemovePriceAsync(model, channelId, http.RequestAborted).ConfigureAwait(false))
        {
            await AdminHttp.NotFoundAsync(http, "price override").ConfigureAwait(false);
            return;
        }

        await ReloadAsync(http.RequestServices.GetRequiredService<PriceBook>()).ConfigureAwait(false);
        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static Task ListGroupsAsync(HttpContext http) =>
        AdminHttp.WriteListAsync(http, http.RequestServices.GetRequiredService<PriceBook>().ListGroups(), static (w, g) => AdminJson.Group(w, g.Group, g.Multiplier, g.Source));

    private static async Task SetGroupAsync(HttpContext http)
    {
        string group = Uri.UnescapeDataString(AdminHttp.Route(http, "group"));
        if (group.Length is 0 or > 200)
        {
            throw new AdminInputException("group", "The group name must be 1 to 200 characters.");
        }

        PriceMultiplier multiplier;
        using (var body = await AdminHttp.ReadObjectAsync(http, "multiplier_ppm", "multiplier").ConfigureAwait(false))
        {
            multiplier = ReadMultiplier(body.RootElement);
        }

        var book = http.RequestServices.GetRequiredService<PriceBook>();
        await http.RequestServices.GetRequiredService<IPriceStore>().SetGroupMultiplierAsync(group, multiplier, http.RequestAborted).ConfigureAwait(false);
        await ReloadAsync(book).ConfigureAwait(false);
        await AdminHttp.WriteJsonAsync(http, StatusCodes.Status200OK, w => AdminJson.Group(w, group, multiplier, PriceSource.Override)).ConfigureAwait(false);
    }

    private static async Task UnsetGroupAsync(HttpContext http)
    {
        string group = Uri.UnescapeDataString(AdminHttp.Route(http, "group"));
        if (!await http.RequestServices.GetRequiredService<IPriceStore>().RemoveGroupMultiplierAsync(group, http.RequestAborted).ConfigureAwait(false))
        {
            await AdminHttp.NotFoundAsync(http, "group multiplier override").ConfigureAwait(false);
            return;
        }

        await ReloadAsync(http.RequestServices.GetRequiredService<PriceBook>()).ConfigureAwait(false);
        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>The model (and channel) from the route; names may carry URL-encoded slashes.</summary>
    private static (string Model, string? Channel) Names(HttpContext http, bool channel) =>
        (Uri.UnescapeDataString(AdminHttp.Route(http, "model")), channel ? Uri.UnescapeDataString(AdminHttp.Route(http, "channel")) : null);

    /// <summary>Reads the price fields: non-negative integers in micros; absent or null means "not given".</summary>
    public static PriceOverride ReadPrice(JsonElement body, string model, string? channel)
    {
        long? Read(string name) => AdminInput.TryNullableInt64(body, name, out long? v) ? v : null;
        return new PriceOverride(model, channel)
        {
            Input = Read("input_per_million_micros"),
            Output = Read("output_per_million_micros"),
            CachedInput = Read("cached_input_per_million_micros"),
            CacheWrite = Read("cache_write_per_million_micros"),
            Reasoning = Read("reasoning_per_million_micros"),
            PerRequest = Read("per_request_micros"),
        };
    }

    /// <summary>Exactly one of <c>multiplier_ppm</c> (an integer, parts per million) and <c>multiplier</c> (a
    /// decimal string such as "0.8").</summary>
    private static PriceMultiplier ReadMultiplier(JsonElement body)
    {
        bool hasPpm = body.TryGetProperty("multiplier_ppm", out var ppm);
        bool hasText = body.TryGetProperty("multiplier", out var text);
        if (hasPpm == hasText)
        {
            throw new AdminInputException("multiplier_ppm", "Give exactly one of multiplier_ppm (integer parts per million) and multiplier (decimal string).");
        }

        if (hasPpm)
        {
            return ppm.ValueKind == JsonValueKind.Number && ppm.TryGetInt64(out long p) && p is >= 0 and <= PriceMultiplier.MaxPartsPerMillion
                ? new PriceMultiplier(p)
                : throw new AdminInputException("multiplier_ppm", $"multiplier_ppm must be an integer from 0 to {PriceMultiplier.MaxPartsPerMillion}.");
        }

        try
        {
            return text.ValueKind == JsonValueKind.String
                ? PriceMultiplier.Parse(text.GetString()!)
                : throw new AdminInputException("multiplier", "multiplier must be a decimal string such as \"0.8\".");
        }
        catch (FormatException e)
        {
            throw new AdminInputException("multiplier", $"multiplier: {e.Message}");
        }
    }

    /// <summary>Applies a committed change to the in-memory table at once; its own timeout, not the client's.</summary>
    private static async Task ReloadAsync(PriceBook book)
    {
        using var timeout = new CancellationTokenSource(ReloadTimeout);
        await book.ReloadAsync(timeout.Token).ConfigureAwait(false);
    }
}
