using System.Text.Json;
using Candor.Core.Accounting;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.Admin;

/// <summary>Prices: the effective table with each price's layer (shipped file, <c>server.prices</c> files, stored
/// overrides), overrides per model and per channel, and account-group multipliers. Every write reloads the
/// in-memory table before it answers, so the next admitted request is priced by it.
/// CLI: <c>candor prices list|set|unset</c>.</summary>
internal static class PriceEndpoints
{
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(10);

    public static void MapPrices(this RouteGroupBuilder admin)
    {
        admin.MapGet("/prices", AdminEndpoints.Guard(ListAsync))
            .Operation("listPrices", "The effective prices: each model's own price, then its channels', with the layer each comes from "
                + "(default < file < override). With limit or cursor: one page ordered by key, with has_more and next_cursor.")
            .Query(new AdminQueryParameter("model", "Only this model's rows."), AdminQueryParameter.Limit, AdminQueryParameter.Cursor)
            .Returns<AdminSlice<PriceView>>(StatusCodes.Status200OK, "The prices.")
            .Fails(StatusCodes.Status400BadRequest);
        admin.MapPut("/prices/models/{model}", AdminEndpoints.Guard(http => SetAsync(http, channel: false)))
            .Operation("setModelPrice", "Store a model's price (input and output required; cached input and cache write default to input, "
                + "reasoning to output, per request to 0). It applies to the next request.")
            .Takes<PriceSet>()
            .Returns<PriceView>(StatusCodes.Status200OK, "The effective price.")
            .Fails(StatusCodes.Status400BadRequest);
        admin.MapDelete("/prices/models/{model}", AdminEndpoints.Guard(http => UnsetAsync(http, channel: false)))
            .Operation("deleteModelPrice", "Delete a model's stored price; the file or shipped price applies again.")
            .Returns(StatusCodes.Status204NoContent, "Deleted.")
            .Fails(StatusCodes.Status404NotFound);
        admin.MapPut("/prices/models/{model}/channels/{channel}", AdminEndpoints.Guard(http => SetAsync(http, channel: true)))
            .Operation("setChannelPrice", "Store a model's price on one channel; figures left out inherit the model's. The model must have "
                + "a price entry of its own under exactly this name.")
            .Takes<PriceSet>()
            .Returns<PriceView>(StatusCodes.Status200OK, "The effective channel price.")
            .Fails(StatusCodes.Status400BadRequest);
        admin.MapDelete("/prices/models/{model}/channels/{channel}", AdminEndpoints.Guard(http => UnsetAsync(http, channel: true)))
            .Operation("deleteChannelPrice", "Delete a channel's stored price.")
            .Returns(StatusCodes.Status204NoContent, "Deleted.")
            .Fails(StatusCodes.Status404NotFound);
        admin.MapGet("/prices/groups", AdminEndpoints.Guard(ListGroupsAsync))
            .Operation("listGroupMultipliers", "The account groups' price multipliers with the layer each comes from.")
            .Returns<AdminList<GroupMultiplierView>>(StatusCodes.Status200OK, "The multipliers.");
        admin.MapPut("/prices/groups/{group}", AdminEndpoints.Guard(SetGroupAsync))
            .Operation("setGroupMultiplier", "Store an account group's price multiplier: exactly one of multiplier_ppm and multiplier.")
            .Takes<GroupMultiplierSet>()
            .Returns<GroupMultiplierView>(StatusCodes.Status200OK, "The multiplier.")
            .Fails(StatusCodes.Status400BadRequest);
        admin.MapDelete("/prices/groups/{group}", AdminEndpoints.Guard(UnsetGroupAsync))
            .Operation("deleteGroupMultiplier", "Delete a group's stored multiplier; the file's or 1 applies again.")
            .Returns(StatusCodes.Status204NoContent, "Deleted.")
            .Fails(StatusCodes.Status404NotFound);
    }

    private static Task ListAsync(HttpContext http)
    {
        var book = http.RequestServices.GetRequiredService<PriceBook>();
        string? model = http.Request.Query["model"].ToString() is { Length: > 0 } m ? m : null;
        var rows = book.List().Where(r => model is null || string.Equals(r.Model, model, StringComparison.Ordinal)).ToList();
        return ListSlice.WriteAsync(http, rows, static r => r.Model + "\n" + r.Channel, PriceView.From, AdminJsonContext.Default.AdminSlicePriceView);
    }

    private static async Task SetAsync(HttpContext http, bool channel)
    {
        var (model, channelId) = Names(http, channel);
        PriceOverride price;
        using (var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.PriceSet).ConfigureAwait(false))
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
        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, PriceView.From(row), AdminJsonContext.Default.PriceView).ConfigureAwait(false);
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
        AdminHttp.WriteListAsync(
            http, http.RequestServices.GetRequiredService<PriceBook>().ListGroups(), static g => GroupMultiplierView.From(g.Group, g.Multiplier, g.Source),
            AdminJsonContext.Default.AdminListGroupMultiplierView);

    private static async Task SetGroupAsync(HttpContext http)
    {
        string group = Uri.UnescapeDataString(AdminHttp.Route(http, "group"));
        if (group.Length is 0 or > 200)
        {
            throw new AdminInputException("group", "The group name must be 1 to 200 characters.");
        }

        PriceMultiplier multiplier;
        using (var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.GroupMultiplierSet).ConfigureAwait(false))
        {
            multiplier = ReadMultiplier(body.RootElement);
        }

        var book = http.RequestServices.GetRequiredService<PriceBook>();
        await http.RequestServices.GetRequiredService<IPriceStore>().SetGroupMultiplierAsync(group, multiplier, http.RequestAborted).ConfigureAwait(false);
        await ReloadAsync(book).ConfigureAwait(false);
        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, GroupMultiplierView.From(group, multiplier, PriceSource.Override), AdminJsonContext.Default.GroupMultiplierView).ConfigureAwait(false);
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
