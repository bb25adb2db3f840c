using System.Diagnostics;

namespace Candor.Core;

/// <summary>The relay's spans (activity source <c>Candor</c>), off unless <c>telemetry.traces</c> is on: the request
/// (server), each upstream attempt (client, until the upstream's response head), the settlement and the receipt.
/// Attributes follow the OpenTelemetry GenAI semantic conventions where one exists (<c>gen_ai.request.model</c>,
/// <c>gen_ai.provider.name</c>, <c>gen_ai.usage.input_tokens</c>, <c>gen_ai.usage.output_tokens</c>) and are configured
/// names, counts and fixed words only — never a prompt, a completion, a key or the request path. A request starts a new
/// trace: the client's <c>traceparent</c> is not continued, and no trace context goes upstream
/// (<see cref="Upstream.UpstreamClients"/>). With no listener every call here costs one check.</summary>
internal static class CandorTracing
{
    /// <summary>The activity source's name, for <c>AddSource</c>.</summary>
    public const string SourceName = "Candor";

    private static readonly ActivitySource Source = new(SourceName, typeof(CandorTracing).Assembly.GetName().Version?.ToString(3));

    /// <summary>Starts the span of a relayed request as the root of a new trace (null when nobody listens).</summary>
    /// <param name="surface">The surface's name (openai, anthropic, gemini).</param>
    public static Activity? StartRequest(string surface)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        // A new trace: the hosting layer's activity (continuing the client's traceparent and baggage) is not the parent.
        Activity.Current = null;
        var activity = Source.StartActivity("candor.request", ActivityKind.Server, parentContext: default);
        activity?.SetTag("candor.surface", surface);
        return activity;
    }

    /// <summary>Tags the request's span (the current one) with its outcome.</summary>
    /// <param name="operation">The GenAI conventions' operation name: chat, embeddings (or Candor's count_tokens).</param>
    /// <param name="model">A configured public model name, or <c>(unknown)</c>.</param>
    /// <param name="channel">A configured channel id, or <c>-</c>.</param>
    /// <param name="path">fast, translated or <c>-</c>.</param>
    /// <param name="status">The response status.</param>
    /// <param name="attempts">Upstream attempts made.</param>
    public static void RequestCompleted(string operation, string model, string channel, string path, int status, int attempts)
    {
        if (Activity.Current is not { Source.Name: SourceName, OperationName: "candor.request" } activity)
        {
            return;
        }

        activity.SetTag("gen_ai.operation.name", operation);
        activity.SetTag("gen_ai.request.model", model);
        activity.SetTag("candor.channel", channel);
        activity.SetTag("candor.path", path);
        activity.SetTag("candor.attempts", attempts);
        activity.SetTag("http.response.status_code", status);
        if (status >= 500)
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    /// <summary>Starts the span of one upstream attempt, ended when the response head arrives (or the attempt fails).</summary>
    /// <param name="provider">The channel's provider (configured).</param>
    /// <param name="channel">The channel's id (configured).</param>
    public static Activity? StartUpstream(string provider, string channel)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("candor.upstream", ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("gen_ai.provider.name", ProviderName(provider));
            activity.SetTag("candor.channel", channel);
        }

        return activity;
    }

    /// <summary>Ends an upstream attempt's span with the upstream's status (null: no response).</summary>
    public static void UpstreamEnded(Activity? activity, int? status)
    {
        if (activity is null)
        {
            return;
        }

        if (status is int s)
        {
            activity.SetTag("http.response.status_code", s);
        }

        if (status is not (>= 200 and < 300))
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }

        activity.Dispose();
    }

    /// <summary>Starts a stage's span (<c>candor.settle</c>, <c>candor.receipt</c>).</summary>
    public static Activity? StartStage(string name) => Source.HasListeners() ? Source.StartActivity(name) : null;

    /// <summary>Tags the settlement's span and the request's with the billed token counts.</summary>
    public static void Usage(Activity? settle, long inputTokens, long outputTokens, long chargeMicros)
    {
        if (settle is null)
        {
            return;
        }

        settle.SetTag("gen_ai.usage.input_tokens", inputTokens);
        settle.SetTag("gen_ai.usage.output_tokens", outputTokens);
        settle.SetTag("candor.charge_micros", chargeMicros);
        for (var parent = settle.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent.OperationName == "candor.request")
            {
                parent.SetTag("gen_ai.usage.input_tokens", inputTokens);
                parent.SetTag("gen_ai.usage.output_tokens", outputTokens);
                break;
            }
        }
    }

    /// <summary>The GenAI conventions' provider names for Candor's providers (others as configured).</summary>
    private static string ProviderName(string provider) => provider switch
    {
        "gemini" => "gcp.gemini",
        "azure" => "azure.ai.openai",
        _ => provider,
    };
}
