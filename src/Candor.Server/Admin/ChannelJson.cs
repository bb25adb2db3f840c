using System.Text.Json;
using Candor.Core.Channels;
using Candor.Core.Configuration;
using Candor.Server.Admin.Contracts;

namespace Candor.Server.Admin;

/// <summary>The channel, deployment and channel-test shapes of the admin API and the CLI (one shape, one place: the
/// records in Admin/Contracts/ChannelContracts.cs).
/// A channel's credential is written only as <c>{"set":bool[,"key_id":N|"source":"env"]}</c>.</summary>
internal static class ChannelJson
{
    /// <summary>Writes a channel. <paramref name="routing"/> (null in the CLI, which has no snapshot) says whether the
    /// running server routes it; <paramref name="health"/> is the routing health block (<see cref="ChannelHealth"/>).</summary>
    public static void Channel(Utf8JsonWriter w, ChannelView c, IEnumerable<DeploymentView> deployments, (bool Routed, string? Reason)? routing, ChannelHealthStateView? health) =>
        JsonSerializer.Serialize(w, ChannelResourceView.From(c, deployments, routing, health), AdminJsonContext.Default.ChannelResourceView);

    public static void Deployment(Utf8JsonWriter w, DeploymentView d) =>
        JsonSerializer.Serialize(w, DeploymentItemView.From(d), AdminJsonContext.Default.DeploymentItemView);

    public static void TestResult(Utf8JsonWriter w, string channelId, ChannelTestResult t) =>
        JsonSerializer.Serialize(w, ChannelTestView.From(channelId, t), AdminJsonContext.Default.ChannelTestView);

    public static string Source(ChannelOrigin origin) => origin == ChannelOrigin.Config ? "config" : "stored";
}
