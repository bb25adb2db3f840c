using Candor.Core.Channels;
using Candor.Server.Admin.Contracts;
using Candor.Server.Hosting;

namespace Candor.Server.Admin;

/// <summary>Deployments: attach a channel (stored or from the configuration file) to a public model with an upstream
/// model, a priority tier and a weight; list (the file's, read-only, and the stored), update, delete. Writes rebuild
/// the snapshot before answering. CLI: <c>candor channels add --deploy</c>, <c>candor deployments …</c>.</summary>
internal static class DeploymentEndpoints
{
    public static void MapDeployments(this RouteGroupBuilder admin)
    {
        admin.MapGet("/deployments", AdminEndpoints.Guard(ListAsync))
            .Operation("listDeployments", "Every deployment: the configuration file's (read-only, no id) and the stored ones. With limit or "
                + "cursor: one page ordered by model, channel and id.")
            .Query(new AdminQueryParameter("model", "Only this public model's deployments."), AdminQueryParameter.Limit, AdminQueryParameter.Cursor)
            .Returns<AdminSlice<DeploymentItemView>>(StatusCodes.Status200OK, "The deployments.")
            .Fails(StatusCodes.Status400BadRequest);
        admin.MapPost("/deployments", AdminEndpoints.Guard(CreateAsync))
            .Operation("createDeployment", "Attach a channel (stored or from the file) to a public model; it routes from the next request.")
            .Takes<DeploymentCreate>()
            .Returns<DeploymentItemView>(StatusCodes.Status201Created, "The deployment.")
            .Fails(StatusCodes.Status400BadRequest);
        admin.MapPatch("/deployments/{deploymentId}", AdminEndpoints.Guard(UpdateAsync))
            .Operation("updateDeployment", "Change a stored deployment's upstream model, priority or weight (absent fields are kept).")
            .Takes<DeploymentUpdate>()
            .Returns<DeploymentItemView>(StatusCodes.Status200OK, "The deployment.")
            .Fails(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        admin.MapDelete("/deployments/{deploymentId}", AdminEndpoints.Guard(DeleteAsync))
            .Operation("deleteDeployment", "Delete a stored deployment.")
            .Returns<DeletedView>(StatusCodes.Status200OK, "Deleted.")
            .Fails(StatusCodes.Status404NotFound);
    }

    private static async Task ListAsync(HttpContext http)
    {
        var builder = http.RequestServices.GetRequiredService<SnapshotBuilder>();
        var stored = await http.RequestServices.GetRequiredService<IChannelStore>().LoadChannelsAsync(http.RequestAborted).ConfigureAwait(false);
        string? model = http.Request.Query["model"].ToString() is { Length: > 0 } m ? m : null;
        var all = DeploymentView.All(builder.Config, stored).Where(d => model is null || d.Model == model).ToList();
        await ListSlice.WriteAsync(http, all, static d => d.Model + "\n" + d.ChannelId + "\n" + d.Id, DeploymentItemView.From, AdminJsonContext.Default.AdminSliceDeploymentItemView).ConfigureAwait(false);
    }

    private static async Task CreateAsync(HttpContext http)
    {
        var builder = http.RequestServices.GetRequiredService<SnapshotBuilder>();
        var store = http.RequestServices.GetRequiredService<IChannelStore>();
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        StoredDeployment deployment;
        using (var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.DeploymentCreate).ConfigureAwait(false))
        {
            deployment = ChannelInput.ReadDeployment(body.RootElement, "", null, now);
        }

        if (!ChannelEndpoints.IsConfigChannel(builder, deployment.ChannelId)
            && await store.GetChannelAsync(deployment.ChannelId, http.RequestAborted).ConfigureAwait(false) is null)
        {
            throw new AdminInputException("channel", $"No channel '{deployment.ChannelId}' (neither stored nor in the configuration file).");
        }

        await store.AddDeploymentAsync(deployment, http.RequestAborted).ConfigureAwait(false);
        await ChannelEndpoints.RebuildAsync(builder).ConfigureAwait(false);
        await AdminHttp.WriteAsync(http, StatusCodes.Status201Created, DeploymentItemView.From(DeploymentView.From(deployment)), AdminJsonContext.Default.DeploymentItemView).ConfigureAwait(false);
    }

    private static async Task UpdateAsync(HttpContext http)
    {
        string id = AdminHttp.Route(http, "deploymentId");
        var builder = http.RequestServices.GetRequiredService<SnapshotBuilder>();
        var store = http.RequestServices.GetRequiredService<IChannelStore>();
        using var body = await AdminHttp.ReadObjectAsync(http, AdminJsonContext.Default.DeploymentUpdate).ConfigureAwait(false);
        var stored = await store.LoadChannelsAsync(http.RequestAborted).ConfigureAwait(false);
        var current = stored.Deployments.FirstOrDefault(d => d.Id == id);
        var next = current is null ? null : ChannelInput.UpdateDeployment(body.RootElement, current);
        if (next is null || !await store.UpdateDeploymentAsync(next, http.RequestAborted).ConfigureAwait(false))
        {
            await AdminHttp.NotFoundAsync(http, "stored deployment").ConfigureAwait(false);
            return;
        }

        await ChannelEndpoints.RebuildAsync(builder).ConfigureAwait(false);
        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, DeploymentItemView.From(DeploymentView.From(next)), AdminJsonContext.Default.DeploymentItemView).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext http)
    {
        string id = AdminHttp.Route(http, "deploymentId");
        var builder = http.RequestServices.GetRequiredService<SnapshotBuilder>();
        if (!await http.RequestServices.GetRequiredService<IChannelStore>().DeleteDeploymentAsync(id, http.RequestAborted).ConfigureAwait(false))
        {
            await AdminHttp.NotFoundAsync(http, "stored deployment").ConfigureAwait(false);
            return;
        }

        await ChannelEndpoints.RebuildAsync(builder).ConfigureAwait(false);
        await AdminHttp.WriteAsync(http, StatusCodes.Status200OK, new DeletedView(id, Deleted: true), AdminJsonContext.Default.DeletedView).ConfigureAwait(false);
    }
}
