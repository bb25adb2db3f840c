namespace Candor.Server.Admin.Contracts;

/// <summary>The server's settings as loaded from its configuration file, read-only; secrets only as configured or not.</summary>
internal sealed record SettingsView(
    string Note,
    ServerSettingsView Server,
    TransparencyLogSettingsView TransparencyLog,
    RoutingSettingsView Routing,
    PrivacySettingsView Privacy,
    AuditSettingsView Audit,
    ClusterSettingsView Cluster,
    TelemetrySettingsView Telemetry,
    OperatorSettingsView Operator,
    int ConfiguredChannels,
    int ConfiguredModels,
    int ConfiguredClientKeys,
    string LoadedAt);

/// <summary>The <c>server</c> block.</summary>
internal sealed record ServerSettingsView(
    string Storage, bool Tls, long MaxRequestBytes, long MaxUpstreamResponseBytes, int MaxAttempts, bool FastPath, int DefaultMaxOutputTokens,
    int MaxChoices, int MaxInFlightRequests, int MaxOpenStreams, long MaxConnections, IReadOnlyList<string> TrustedProxies, string ForwardedHeader,
    IReadOnlyList<string> PriceFiles);

/// <summary>The <c>transparency_log</c> block; <c>origin</c> is omitted when not configured.</summary>
internal sealed record TransparencyLogSettingsView(string? Origin, long MaxMergeDelayMs, IReadOnlyList<string> Witnesses);

/// <summary>The <c>routing</c> block.</summary>
internal sealed record RoutingSettingsView(long DeadlineMs, string AllUnhealthy, long HealthWindowMs, double HealthFailureRate, bool Probes);

/// <summary>The <c>privacy</c> block.</summary>
internal sealed record PrivacySettingsView(string Retention, int HistoryRetentionDays, bool ServerRedaction);

/// <summary>The <c>audit</c> block.</summary>
internal sealed record AuditSettingsView(bool Enabled, long IntervalSeconds, double Alpha, int Targets);

/// <summary>The <c>cluster</c> block.</summary>
internal sealed record ClusterSettingsView(bool Redis, int Nodes);

/// <summary>The <c>telemetry</c> block.</summary>
internal sealed record TelemetrySettingsView(bool Metrics, bool Traces, bool JsonLogs);

/// <summary>The <c>operator</c> block; each field omitted when not configured.</summary>
internal sealed record OperatorSettingsView(string? Name = null, string? Domain = null, string? Contact = null);
