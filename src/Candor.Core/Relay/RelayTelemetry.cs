namespace Candor.Core.Relay;

/// <summary>Where a relayed request's end reaches the metrics and the trace: called beside the request-completed log
/// line, with the same configured names.</summary>
internal static class RelayTelemetry
{
    /// <summary>Counts the request and tags its span.</summary>
    /// <param name="context">The request.</param>
    /// <param name="model">A configured public model name, or <c>(unknown)</c>.</param>
    /// <param name="status">The response status.</param>
    public static void Completed(RelayContext context, string model, int status)
    {
        string channel = context.ChannelId ?? "-";
        CandorMetrics.RequestCompleted(context.SurfaceName, model, channel, context.Path, status, context.StartTimestamp, context.FirstByteTimestamp, context.UpstreamTicks);
        CandorTracing.RequestCompleted(model, channel, context.Path, status, context.Attempts);
    }
}
