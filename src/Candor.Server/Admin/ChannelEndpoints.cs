using System.Text.Json;
using Candor.Core;
using Candor.Core.Channels;
using Candor.Core.Configuration;
using Candor.Core.Routing;
using Candor.Server.Admin.Contracts;
using Candor.Server.Hosting;

namespace Candor.Server.Admin;

/// <summary>Channels: list and get (configuration and stored), add, update, disable, enable, delete (stored only) and a
/// live test. Every write commits to the database, then rebuilds and swaps the runtime snapshot before answering,
/// so the next request routes by it (in-flight requests keep theirs). No response ever carries a credential.
/// CLI: <c>candor channels add|list|update|disable|enable|test|remove</c>.</summary>
internal static class ChannelEndpoints
{
    public static void MapChannels(this RouteGroupBuilder admin)
    {
        admin.MapGet("/channels", AdminEndpoints.Guard(ListAsync))
            .Operation("listChannels", "Every channel, from the configuration file and stored, with its deployments, whether it is routed, "
                + "and its routing health. With limit or cursor: one page ordered by id.")
            .Query(AdminQueryParameter.Limit, AdminQueryParameter.Cursor)
            .Returns<AdminSlice<ChannelResourceView>>(StatusCodes.Status200OK, "The channels.")
            .Fails(StatusCodes.Status400BadRequest);
        admin.MapPost("/channels", AdminEndpoints.Guard(CreateAsync))
            .Operation("createChannel", "Add a stored channel (its credential sealed with the master key), optionally with deployments; "
                + "it routes from the next request.")
            .Takes<ChannelCreate>()
            .Returns<ChannelResourceView>(StatusCodes.Status201Created, "The channel.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict);
        admin.MapGet("/channels/{channelId}", AdminEndpoints.Guard(GetAsync))
            .Operation("getChannel", "Get a channel.")
            .Returns<ChannelResourceView>(StatusCodes.Status200OK, "The channel.")
            .Fails(StatusCodes.Status404NotFound);
        admin.MapPatch("/channels/{channelId}", AdminEndpoints.Guard(UpdateAsync))
            .Operation("updateChannel", "Change a stored channel: absent fields are kept; null clears api_version, credential and disabled_reason.")
            .Takes<ChannelUpdate>()
            .Returns<ChannelResourceView>(StatusCodes.Status200OK, "The channel.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        admin.MapDelete("/channels/{channelId}", AdminEndpoints.Guard(DeleteAsync))
            .Operation("deleteChannel", "Delete a stored channel and its deployments.")
            .Returns<DeletedView>(StatusCodes.Status200OK, "Deleted.")
            .Fails(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        admin.MapPost("/channels/{channelId}/disable", AdminEndpoints.Guard(DisableAsync))
            .Operation("disableChannel", "Disable a stored channel, with an optional reason; it stops routing from the next request.")
            .Takes<ChannelDisable>(optional: true)
            .Returns<ChannelResourceView>(StatusCodes.Status200OK, "The channel.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        admin.MapPost("/channels/{channelId}/enable", AdminEndpoints.Guard(EnableAsync))
            .Operation("enableChannel", "Enable a channel: clears a stored channel's disabled flag and the router's disabled state and open circuits.")
            .Returns<ChannelResourceView>(StatusCodes.Status200OK, "The channel.")
            .Fails(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        admin.MapPost("/channels/{channelId}/test", AdminEndpoints.Guard(TestAsync))
            .Operation("testChannel", "Send one small live request through the channel and report status, served model and latency.")
            .Takes<ChannelTestRequest>(optional: true)
            .Returns<ChannelTestView>(StatusCodes.Status200OK, "The test's result (ok false with an error on failure).")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
    }

    private static async Task ListAsync(HttpContext http)
    {
        var (builder, store) = Services(http);
        var stored = await store.LoadChannelsAsync(http.RequestAborted).ConfigureAwait(false);
        var config = builder.Config;
        var deployments = DeploymentView.All(config, stored);
        var views = config.Channels.Select(ChannelView.From).Concat(stored.Channels.Select(ChannelView.From)).ToList();
        var snapshot = http.RequestServices.GetRequiredService<SnapshotHolder>().Current;
        await ListSlice.WriteAsync(http, views, static v => v.Id, v => Resource(http, v, deployments, snapshot), AdminJsonContext.Default.AdminSliceChannelResourceView).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext http)
    {
        string id = AdminHttp.Route(http, "channelId");
        var (builder, store) = Services(http);
        var stored = await store.LoadChannelsAsync(http.RequestAborted).ConfigureAwait(false);
        var view = builder.Config.Channels.FirstOrDefault(c => c.Id == id) is { } configured ? ChannelView.From(configured)
            : stored.Channels.FirstOrDefault(c => c.Id == id) is { } kept ? ChannelView.From(kept)
            : null;
        if (view is null)
        {
            await AdminHttp.NotFoundAsync(http, "channel").ConfigureAwait(false);
            return;
        }

        var deployments = DeploymentView.All(builder.Config, stored);
        var snapshot = http.RequestServices.GetRequiredService<SnapshotHolder>().Current;
        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, Resource(http, view, deployments, snapshot), AdminJsonContext.Default.ChannelResourceView).ConfigureAwait(false);
    }

    private static async Task CreateAsync(HttpContext http)
    {
        var (builder, store) = Services(http);
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        StoredChannel channel;
        var deployments = new List<StoredDeployment>();
        using (var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.ChannelCreate).ConfigureAwait(false))
        {
            var root = body.RootElement;
            string id = AdminInput.RequiredString(root, "id");
            if (ChannelAttributes.CheckId(id) is { } badId)
            {
                throw new AdminInputException("id", badId + ".");
            }

            if (IsConfigChannel(builder, id))
            {
                await ReadOnlyAsync(http, id).ConfigureAwait(false);
                return;
            }

            _ = AdminInput.RequiredString(root, "provider");
            _ = AdminInput.RequiredString(root, "base_url");
            var start = new StoredChannel { Id = id, Provider = "", BaseUrl = new Uri("http://placeholder"), CreatedAt = now, UpdatedAt = now };
            channel = ChannelInput.Apply(root, start, builder.ProviderNames, () => RequireRing(builder), now);
            if (root.TryGetProperty("deployments", out var list))
            {
                if (list.ValueKind != JsonValueKind.Array)
                {
                    throw new AdminInputException("deployments", "deployments must be an array of {model, upstream_model, priority, weight}.");
                }

                int i = 0;
                foreach (var item in list.EnumerateArray())
                {
                    deployments.Add(ChannelInput.ReadDeployment(item, $"deployments[{i++}]", id, now));
                }
            }
        }

        if (!await store.AddChannelAsync(channel, deployments, http.RequestAborted).ConfigureAwait(false))
        {
            await AdminHttp.WriteErrorAsync(http, StatusCodes.Status409Conflict, "conflict_error", $"A stored channel '{channel.Id}' already exists.", "id").ConfigureAwait(false);
            return;
        }

        await AppliedAsync(http, builder, channel.Id, "added", StatusCodes.Status201Created).ConfigureAwait(false);
    }

    private static async Task UpdateAsync(HttpContext http)
    {
        string id = AdminHttp.Route(http, "channelId");
        var (builder, store) = Services(http);
        using var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.ChannelUpdate).ConfigureAwait(false);
        await ChangeAsync(http, builder, store, id, "updated",
            (c, now) => ChannelInput.Apply(body.RootElement, c, builder.ProviderNames, () => RequireRing(builder), now)).ConfigureAwait(false);
    }

    private static async Task DisableAsync(HttpContext http)
    {
        string id = AdminHttp.Route(http, "channelId");
        var (builder, store) = Services(http);
        string? reason = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            using var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.ChannelDisable).ConfigureAwait(false);
            reason = ChannelInput.Reason(body.RootElement, "reason");
        }

        await ChangeAsync(http, builder, store, id, "disabled", (c, now) => c with { Disabled = true, DisabledReason = reason, UpdatedAt = now }).ConfigureAwait(false);
    }

    private static async Task EnableAsync(HttpContext http)
    {
        string id = AdminHttp.Route(http, "channelId");
        var (builder, store) = Services(http);
        bool healthReEnabled = ChannelHealth.TryReEnable(http, id);
        if (healthReEnabled && IsConfigChannel(builder, id))
        {
            await GetAsync(http).ConfigureAwait(false);
            return;
        }

        await ChangeAsync(http, builder, store, id, "enabled", (c, now) => c with { Disabled = false, DisabledReason = null, UpdatedAt = now }).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext http)
    {
        string id = AdminHttp.Route(http, "channelId");
        var (builder, store) = Services(http);
        if (IsConfigChannel(builder, id))
        {
            await ReadOnlyAsync(http, id).ConfigureAwait(false);
            return;
        }

        if (!await store.DeleteChannelAsync(id, http.RequestAborted).ConfigureAwait(false))
        {
            await AdminHttp.NotFoundAsync(http, "stored channel").ConfigureAwait(false);
            return;
        }

        await RebuildAsync(builder).ConfigureAwait(false);
        http.RequestServices.GetRequiredService<ILogger<SnapshotBuilder>>().ChannelChanged(id, "deleted");
        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, new DeletedView(id, Deleted: true), AdminJsonContext.Default.DeletedView).ConfigureAwait(false);
    }

    private static async Task TestAsync(HttpContext http)
    {
        string id = AdminHttp.Route(http, "channelId");
        var (builder, store) = Services(http);
        string? model = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            using var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.ChannelTestRequest).ConfigureAwait(false);
            model = AdminInput.OptionalString(body.RootElement, "model");
        }

        var snapshot = http.RequestServices.GetRequiredService<SnapshotHolder>().Current;
        var stored = await store.LoadChannelsAsync(http.RequestAborted).ConfigureAwait(false);
        ChannelRuntime? runtime = snapshot.Channels.GetValueOrDefault(id);
        if (runtime is null && stored.Channels.FirstOrDefault(c => c.Id == id) is { } kept)
        {
            var configIds = builder.Config.Channels.Select(static c => c.Id).ToHashSet(StringComparer.Ordinal);
            if (ChannelComposer.Activate(kept, configIds, builder.Ring(), builder.ProviderNames, out string? reason, ignoreDisabled: true) is not { } settings)
            {
                await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, ChannelTestView.From(id, new ChannelTestResult(false, model ?? "", 0, null, null, "unusable", reason)),
                    AdminJsonContext.Default.ChannelTestView).ConfigureAwait(false);
                return;
            }

            runtime = builder.Runtime(settings);
        }

        if (runtime is null)
        {
            await AdminHttp.NotFoundAsync(http, "channel").ConfigureAwait(false);
            return;
        }

        model ??= DeploymentView.All(builder.Config, stored).FirstOrDefault(d => d.ChannelId == id)?.UpstreamModel
            ?? throw new AdminInputException("model", $"Channel '{id}' has no deployment to take a model from; give the upstream model to test with as 'model'.");
        var result = await ChannelTester.RunAsync(runtime, model, builder.Config.MaxUpstreamResponseBytes, http.RequestAborted).ConfigureAwait(false);
        http.RequestServices.GetRequiredService<ILogger<SnapshotBuilder>>().ChannelTested(id, result.Ok, result.UpstreamStatus ?? 0, result.ErrorClass ?? "none", result.LatencyMs);
        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, ChannelTestView.From(id, result), AdminJsonContext.Default.ChannelTestView).ConfigureAwait(false);
    }

    /// <summary>Reads a stored channel, applies <paramref name="change"/>, writes it, rebuilds, answers with the channel.
    /// A configuration channel is refused as read-only.</summary>
    private static async Task ChangeAsync(HttpContext http, SnapshotBuilder builder, IChannelStore store, string id, string verb, Func<StoredChannel, DateTimeOffset, StoredChannel> change)
    {
        if (IsConfigChannel(builder, id))
        {
            await ReadOnlyAsync(http, id).ConfigureAwait(false);
            return;
        }

        var current = await store.GetChannelAsync(id, http.RequestAborted).ConfigureAwait(false);
        if (current is null)
        {
            await AdminHttp.NotFoundAsync(http, "channel").ConfigureAwait(false);
            return;
        }

        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var next = change(current, now);
        if (!await store.UpdateChannelAsync(next, http.RequestAborted).ConfigureAwait(false))
        {
            await AdminHttp.NotFoundAsync(http, "channel").ConfigureAwait(false);
            return;
        }

        await AppliedAsync(http, builder, id, verb, StatusCodes.Status200OK).ConfigureAwait(false);
    }

    private static async Task AppliedAsync(HttpContext http, SnapshotBuilder builder, string id, string verb, int status)
    {
        await RebuildAsync(builder).ConfigureAwait(false);
        http.RequestServices.GetRequiredService<ILogger<SnapshotBuilder>>().ChannelChanged(id, verb);
        var stored = builder.Stored;
        var view = ChannelView.From(stored.Channels.First(c => c.Id == id));
        var snapshot = http.RequestServices.GetRequiredService<SnapshotHolder>().Current;
        var deployments = DeploymentView.All(builder.Config, stored);
        await AdminHttp.WriteAsync(http, status, Resource(http, view, deployments, snapshot), AdminJsonContext.Default.ChannelResourceView).ConfigureAwait(false);
    }

    /// <summary>Rebuilds the snapshot after a committed write. Like the key cache refresh, it follows its own timeout
    /// rather than the client's: a committed change must take effect even when the caller has gone.</summary>
    internal static async Task RebuildAsync(SnapshotBuilder builder)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await builder.RefreshAsync(force: true, timeout.Token).ConfigureAwait(false);
    }

    private static ChannelResourceView Resource(HttpContext http, ChannelView view, List<DeploymentView> deployments, RuntimeSnapshot snapshot)
    {
        bool routed = view.Source == ChannelOrigin.Config || snapshot.Channels.ContainsKey(view.Id);
        string? reason = routed ? null : snapshot.InactiveStoredChannels.GetValueOrDefault(view.Id) ?? "not yet loaded";
        return ChannelResourceView.From(view, deployments.Where(d => d.ChannelId == view.Id), (routed, reason), ChannelHealth.Describe(http, view.Id));
    }

    internal static bool IsConfigChannel(SnapshotBuilder builder, string id) => builder.Config.Channels.Any(c => c.Id == id);

    internal static Task ReadOnlyAsync(HttpContext http, string id) =>
        AdminHttp.WriteErrorAsync(http, StatusCodes.Status409Conflict, "conflict_error",
            $"Channel '{id}' is defined in the configuration file and is read-only through the admin API; change it in the file (the admin API adds, changes and removes stored channels only).",
            "channelId");

    private static Core.Security.MasterKeyRing RequireRing(SnapshotBuilder builder) =>
        builder.Ring() ?? throw new AdminInputException("credential", "No master key is available to seal the credential (check CANDOR_MASTER_KEY or master.keys in the data directory).");

    private static (SnapshotBuilder Builder, IChannelStore Store) Services(HttpContext http) =>
        (http.RequestServices.GetRequiredService<SnapshotBuilder>(), http.RequestServices.GetRequiredService<IChannelStore>());
}
