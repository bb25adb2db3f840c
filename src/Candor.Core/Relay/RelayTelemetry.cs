namespace Candor.Core.Relay;

/// <summary>Where a relayed request's end reaches the metrics and the trace: called beside the request-completed log
/// line (chat), or at the end of an embeddings or token-count request, with the same configured names.</summary>
internal static class RelayTelemetry
{
    /// <summary>The operation label of chat requests.</summary>
    public const string Chat = "chat";

    /// <summary>The operation label of embeddings requests (the GenAI conventions' name).</summary>
    public const string Embeddings = "embeddings";

    /// <summary>The operation label of token-count requests.</summary>
    public const string CountTokens = "count_tokens";

    /// <summary>Counts the request and tags its span.</summary>
    /// <param name="context">The request.</param>
    /// <param name="operation"><see cref="Chat"/>, <see cref="Embeddings"/> or <see cref="CountTokens"/>.</param>
    /// <param name="model">A configured public model name, or <c>(unknown)</c>.</param>
    /// <param name="status">The response status.</param>
    public static void Completed(RelayContext context, string operation, string model, int status)
    {
        string channel = context.ChannelId ?? "-";
        CandorMetrics.RequestCompleted(context.SurfaceName, operation, model, channel, context.Path, status, context.StartTimestamp, context.FirstByteTimestamp, context.UpstreamTicks);
        CandorTracing.RequestCompleted(operation, model, channel, context.Path, status, context.Attempts);
    }
}
