using Candor.Core.Privacy;

namespace Candor.Core.Channels;

/// <summary>A channel kept in the database (added through the admin API or the CLI), as stored: every attribute
/// in the clear except the credential, which is an AES-256-GCM envelope under the master key ring
/// (<see cref="ChannelCredentials"/>). Never carries a plaintext credential.</summary>
internal sealed record StoredChannel
{
    /// <summary>The public id (shown in <c>x-candor-channel</c>); unique across stored and configuration channels.</summary>
    public required string Id { get; init; }

    /// <summary>The provider adapter name.</summary>
    public required string Provider { get; init; }

    /// <summary>The base URL as the vendor's SDK takes it, without a trailing slash.</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>Region where the upstream processes data (lower case; "unknown" when undeclared).</summary>
    public string Region { get; init; } = "unknown";

    /// <summary>The upstream's declared retention.</summary>
    public UpstreamRetention Retention { get; init; } = UpstreamRetention.Unknown;

    /// <summary>The upstream's declared training use.</summary>
    public TrainingUse Training { get; init; } = TrainingUse.Unknown;

    /// <summary>Azure api-version or Anthropic version override.</summary>
    public string? ApiVersion { get; init; }

    /// <summary>Extra headers sent upstream (never credentials: those go in the sealed credential).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Connect timeout.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First-byte timeout.</summary>
    public TimeSpan FirstByteTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Idle timeout between reads of a stream.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Disabled by an operator: not routed until enabled.</summary>
    public bool Disabled { get; init; }

    /// <summary>Why the channel was disabled, as the operator gave it (null when enabled).</summary>
    public string? DisabledReason { get; init; }

    /// <summary>The credential envelope (<see cref="Security.MasterKeyRing"/> layout), or null for providers that
    /// need none.</summary>
    public byte[]? SealedCredential { get; init; }

    /// <summary>When the channel was added.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the channel was last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The id of the master key that sealed the credential, or null when there is none.</summary>
    public uint? CredentialKeyId => SealedCredential is { } sealedValue ? Security.MasterKeyRing.KeyIdOf(sealedValue) : null;

    /// <summary>The declared data policy.</summary>
    public ChannelDataPolicy DataPolicy => new(Region, Retention, Training);
}
