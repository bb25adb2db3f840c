namespace Candor.Core.Configuration;

/// <summary>The validated contents of a configuration file (or of demo mode), before runtime objects are built.
/// Immutable: every request of a snapshot shares it, so a change (a reload, demo mode, a test) builds a new one
/// (<c>with</c>, or an object initializer).</summary>
internal sealed record CandorConfig
{
    public IReadOnlyList<ChannelSettings> Channels { get; init; } = [];

    public IReadOnlyList<ModelRoute> Models { get; init; } = [];

    public IReadOnlyList<ClientKey> Keys { get; init; } = [];

    /// <summary>Largest request body accepted, in bytes (413 beyond).</summary>
    public long MaxRequestBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>Admission control: in-flight and stream bounds, the body memory budget and timeout, connections
    /// (<c>server.*</c>; docs/admission-control.md).</summary>
    public AdmissionSettings Admission { get; init; } = new();

    /// <summary>Largest non-streamed upstream response accepted, in bytes.</summary>
    public long MaxUpstreamResponseBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Relay raw bytes when surface and upstream speak the same protocol (default on).</summary>
    public bool FastPath { get; init; } = true;

    /// <summary>When this configuration was loaded (Unix seconds); reported as models' creation time.</summary>
    public long CreatedUnixSeconds { get; init; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>At most this many deployments are tried for one request (failover before the first byte).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The data directory for accounts, keys and the ledger (<c>server.data_dir</c>); null = none from
    /// the file (the host then tries <c>CANDOR_DATA</c>; with neither, nothing is stored or billed).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The PostgreSQL connection string of the store (<c>storage.postgres</c>, password excluded: it comes from
    /// <c>CANDOR_POSTGRES_PASSWORD</c>); null = SQLite in the data directory (the default).</summary>
    public string? PostgresConnection { get; init; }

    /// <summary>PEM certificate served on https addresses (<c>server.tls.certificate_file</c>); reloaded when it changes.</summary>
    public string? TlsCertificateFile { get; init; }

    /// <summary>PEM private key of the certificate (<c>server.tls.key_file</c>).</summary>
    public string? TlsKeyFile { get; init; }

    /// <summary>Peers whose forwarding header names the client (<c>server.trusted_proxies</c>); empty = none.</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>The forwarding header the trusted proxies set: <c>x-forwarded-for</c> (default) or <c>forwarded</c>.</summary>
    public string ForwardedHeader { get; init; } = "x-forwarded-for";

    /// <summary>Metrics, traces and the log format (<c>telemetry:</c>).</summary>
    public TelemetrySettings Telemetry { get; init; } = new();

    /// <summary>What the nodes of a multi-node installation share (the <c>cluster</c> section; docs/scale-out.md).</summary>
    public ClusterSettings Cluster { get; init; } = new();

    /// <summary>Operator price files laid over the shipped default, in order (<c>server.prices</c>).</summary>
    public IReadOnlyList<string> PriceFiles { get; init; } = [];

    /// <summary>The operator's identity (<c>operator:</c>), published at <c>/.well-known/candor</c>.</summary>
    public OperatorInfo Operator { get; init; } = new();

    /// <summary>Output tokens reserved for a request that sets no limit of its own (<c>server.default_max_output_tokens</c>).</summary>
    public int DefaultMaxOutputTokens { get; init; } = 4096;

    /// <summary>The most choices one request may ask for (OpenAI <c>n</c>, Gemini <c>candidateCount</c>;
    /// <c>server.max_choices</c>, default 8): every choice is reserved and charged, so this bounds what one request
    /// can hold of a balance. A request above it gets a 400.</summary>
    public int MaxChoices { get; init; } = 8;

    /// <summary>The transparency log's checkpoint origin (<c>server.log_origin</c>); null = derived from the host
    /// name (<c>&lt;host&gt;/log</c>). See docs/transparency.md.</summary>
    public string? LogOrigin { get; init; }

    /// <summary>The longest time from a durable log append to a checkpoint covering it
    /// (<c>server.log_max_merge_delay</c>, default 1 s). Receipts promise it.</summary>
    public TimeSpan LogMaxMergeDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Witnesses that cosign the transparency log's checkpoints (<c>server.log_witnesses</c>; docs/transparency.md).</summary>
    public IReadOnlyList<LogWitness> LogWitnesses { get; init; } = [];

    /// <summary>Router settings: deadline, health, probes, the all-unhealthy policy (<c>routing</c>; see docs/routing.md).</summary>
    public RoutingOptions Routing { get; init; } = new();

    /// <summary>The <c>privacy</c> section: retention mode, server routing requirement, history bounds.</summary>
    public Privacy.PrivacySettings Privacy { get; init; } = Candor.Core.Privacy.PrivacySettings.Default;

    /// <summary>The server-wide redaction policy (<c>privacy.redaction</c>); every request gets at least this.</summary>
    public Candor.Core.Privacy.RedactionPolicy Redaction { get; init; } = Candor.Core.Privacy.RedactionPolicy.Off;

    /// <summary>Canary probes of upstream channels (<c>audit:</c>, docs/audits.md); off when the section is absent.</summary>
    public Audit.AuditSettings Audit { get; init; } = Core.Audit.AuditSettings.Disabled;

    /// <summary>Usage tolerance per tokenizer family and the billing policy for a discrepancy (<c>metering:</c>,
    /// docs/billing.md).</summary>
    public Accounting.MeteringSettings Metering { get; init; } = Accounting.MeteringSettings.Default;

    /// <summary>Online top-ups (<c>payments:</c>, docs/business.md); null = none offered.</summary>
    public PaymentSettings? Payments { get; init; }
    /// <summary>Console sign-up: mode, verification mail, initial grant, limits (<c>registration:</c>, docs/console.md).</summary>
    public WebConsole.RegistrationSettings Registration { get; init; } = WebConsole.RegistrationSettings.Closed;
}
