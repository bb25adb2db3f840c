using System.Globalization;
using System.Text.Json.Serialization;
using Candor.Core.Channels;
using Candor.Core.Configuration;
using Candor.Core.Routing;

namespace Candor.Server.Admin.Contracts;

/// <summary>A channel as the admin API and the CLI show it: never its credential (only whether one is set and which
/// master key sealed it), header names only. <c>routed</c> and <c>health</c> are present on the server's answers.</summary>
internal sealed record ChannelResourceView
{
    public required string Id { get; init; }

    public required string Source { get; init; }

    public required string Provider { get; init; }

    public required string BaseUrl { get; init; }

    public required string Region { get; init; }

    public required DataPolicyView DataPolicy { get; init; }

    public string? ApiVersion { get; init; }

    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public required TimeoutsView Timeouts { get; init; }

    public required CredentialView Credential { get; init; }

    public required bool Disabled { get; init; }

    public string? DisabledReason { get; init; }

    public bool? Routed { get; init; }

    public string? NotRoutedReason { get; init; }

    public required IReadOnlyList<DeploymentItemView> Deployments { get; init; }

    public DateTime? CreatedAt { get; init; }

    public DateTime? UpdatedAt { get; init; }

    public ChannelHealthStateView? Health { get; init; }

    /// <summary>The channel's record; <paramref name="routing"/> (null in the CLI, which has no snapshot) says whether
    /// the running server routes it.</summary>
    public static ChannelResourceView From(ChannelView c, IEnumerable<DeploymentView> deployments, (bool Routed, string? Reason)? routing, ChannelHealthStateView? health) => new()
    {
        Id = c.Id,
        Source = ChannelJson.Source(c.Source),
        Provider = c.Provider,
        BaseUrl = c.BaseUrl.ToString().TrimEnd('/'),
        Region = c.Policy.Region,
        DataPolicy = new DataPolicyView(ChannelAttributes.Name(c.Policy.Retention), ChannelAttributes.Name(c.Policy.Training)),
        ApiVersion = c.ApiVersion,

        // Header values may be credentials under other names (Ocp-Apim-Subscription-Key): only the names are shown.
        Headers = c.Headers.Keys.Order(StringComparer.Ordinal).ToDictionary(static n => n, static _ => ChannelHeaders.Redacted, StringComparer.Ordinal),
        Timeouts = new TimeoutsView((long)c.Connect.TotalMilliseconds, (long)c.FirstByte.TotalMilliseconds, (long)c.Idle.TotalMilliseconds),
        Credential = new CredentialView(c.CredentialSet, c.CredentialKeyId, c.CredentialKeyId is null && c.CredentialSet ? "env" : null),
        Disabled = c.Disabled,
        DisabledReason = c.DisabledReason,
        Routed = routing?.Routed,
        NotRoutedReason = routing?.Reason,
        Deployments = [.. deployments.Select(DeploymentItemView.From)],
        CreatedAt = c.CreatedAt?.UtcDateTime,
        UpdatedAt = c.UpdatedAt?.UtcDateTime,
        Health = health,
    };
}

/// <summary>A channel's declared data policy.</summary>
internal sealed record DataPolicyView(string Retention, string Training);

/// <summary>A channel's timeouts in milliseconds.</summary>
internal sealed record TimeoutsView(long ConnectMs, long FirstByteMs, long IdleMs);

/// <summary>Whether a credential is set, and which master key sealed it (<c>key_id</c>) or that it comes from the
/// environment (<c>source</c>: <c>env</c>).</summary>
internal sealed record CredentialView(bool Set, uint? KeyId = null, string? Source = null);

/// <summary>A deployment: a channel serving a public model as an upstream model, with a priority tier and a weight.
/// Stored ones have an id; the configuration file's have none.</summary>
internal sealed record DeploymentItemView(string? Id, string Model, string Channel, string UpstreamModel, int Priority, int Weight, string Source, DateTime? CreatedAt)
{
    public static DeploymentItemView From(DeploymentView d) =>
        new(d.Id, d.Model, d.ChannelId, d.UpstreamModel, d.Priority, d.Weight, ChannelJson.Source(d.Source), d.CreatedAt?.UtcDateTime);
}

/// <summary>The result of a channel's live test.</summary>
internal sealed record ChannelTestView(string Channel, bool Ok, string UpstreamModel, long LatencyMs, int? Status, string? ServedModel, ChannelTestErrorView? Error)
{
    public static ChannelTestView From(string channelId, ChannelTestResult t) => new(
        channelId, t.Ok, t.UpstreamModel, t.LatencyMs, t.UpstreamStatus, t.ServedModel,
        t.ErrorClass is null ? null : new ChannelTestErrorView(t.ErrorClass, t.ErrorMessage));
}

/// <summary>Why a channel test failed.</summary>
internal sealed record ChannelTestErrorView(
    string Class,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Message);

/// <summary>The router's view of a channel: whether it routes to it, why not, and per deployment its circuit state,
/// window error rate, latency percentiles and load. A channel the router does not route has only <c>state</c>.</summary>
internal sealed record ChannelHealthStateView(string State, bool? Enabled = null, string? DisabledReason = null, string? DisabledAt = null, IReadOnlyList<DeploymentHealthStateView>? Deployments = null)
{
    public static ChannelHealthStateView From(ChannelHealthView? view, string worst) => view is null
        ? new("not_routed")
        : new(!view.Enabled ? "disabled" : worst, view.Enabled, view.DisabledReason, Time(view.DisabledAt), [.. view.Deployments.Select(DeploymentHealthStateView.From)]);

    /// <summary>ISO-8601 UTC with seven decimals, as the router's clock gives it.</summary>
    public static string? Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
}

/// <summary>One deployment's health.</summary>
internal sealed record DeploymentHealthStateView(
    string UpstreamModel, IReadOnlyList<string> Models, string State, string? Until, int InFlight, long WindowRequests, long WindowFailures,
    double ErrorRate, HealthLatencyView LatencyMs, long RequestsLastMinute, long TokensLastMinute, long TotalRequests, long TotalFailures, string? LastFailure)
{
    public static DeploymentHealthStateView From(DeploymentHealthView d) => new(
        d.UpstreamModel, d.Models, d.State, ChannelHealthStateView.Time(d.Until), d.InFlight, d.WindowRequests, d.WindowFailures, Math.Round(d.ErrorRate, 4),
        new HealthLatencyView(Round(d.LatencyP50Ms), Round(d.LatencyP90Ms), Round(d.LatencyP99Ms), Round(d.EwmaMs)),
        d.RequestsLastMinute, d.TokensLastMinute, d.TotalRequests, d.TotalFailures, d.LastFailure);

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 2) : null;
}

/// <summary>Latency in milliseconds over the window; null (written) when there is none.</summary>
internal sealed record HealthLatencyView(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? P50,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? P90,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? P99,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? Ewma);

/// <summary>The body of <c>PATCH /channels/{channelId}</c>: absent fields are kept; null clears <c>api_version</c>,
/// <c>credential</c> and <c>disabled_reason</c>. The credential is sealed with the master key and never shown again.</summary>
internal sealed record ChannelUpdate(
    string? Provider = null,
    string? BaseUrl = null,
    string? Region = null,
    DataPolicySet? DataPolicy = null,
    string? ApiVersion = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    TimeoutsSet? Timeouts = null,
    string? Credential = null,
    bool? Disabled = null,
    string? DisabledReason = null);

/// <summary>The body of <c>POST /channels</c>: the channel's id, its fields as in <see cref="ChannelUpdate"/>
/// (provider and base_url required) and optionally its first deployments.</summary>
internal sealed record ChannelCreate(
    string Id,
    string Provider,
    string BaseUrl,
    IReadOnlyList<ChannelDeploymentCreate>? Deployments = null,
    string? Region = null,
    DataPolicySet? DataPolicy = null,
    string? ApiVersion = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    TimeoutsSet? Timeouts = null,
    string? Credential = null,
    bool? Disabled = null,
    string? DisabledReason = null);

/// <summary>A channel's data policy as given: <c>retention</c> and <c>training</c>.</summary>
internal sealed record DataPolicySet(string? Retention = null, string? Training = null);

/// <summary>Timeouts as given, in milliseconds; absent ones are kept.</summary>
internal sealed record TimeoutsSet(long? ConnectMs = null, long? FirstByteMs = null, long? IdleMs = null);

/// <summary>A deployment made with its channel: the public model, the upstream model, priority (0–1000, default 0)
/// and weight (1–1000000, default 1).</summary>
internal sealed record ChannelDeploymentCreate(string Model, string UpstreamModel, int? Priority = null, int? Weight = null);

/// <summary>The body of <c>POST /deployments</c>.</summary>
internal sealed record DeploymentCreate(string Model, string Channel, string UpstreamModel, int? Priority = null, int? Weight = null);

/// <summary>The body of <c>PATCH /deployments/{deploymentId}</c>: absent fields are kept.</summary>
internal sealed record DeploymentUpdate(string? UpstreamModel = null, int? Priority = null, int? Weight = null);

/// <summary>The optional body of <c>POST /channels/{channelId}/disable</c>.</summary>
internal sealed record ChannelDisable(string? Reason = null);

/// <summary>The optional body of <c>POST /channels/{channelId}/test</c>: the upstream model to test with (default: the
/// channel's first deployment's).</summary>
internal sealed record ChannelTestRequest(string? Model = null);

/// <summary>The answer to a delete that reports what it removed.</summary>
internal sealed record DeletedView(string Id, bool Deleted);
