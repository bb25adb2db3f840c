namespace Candor.Core.Configuration;

/// <summary>A client API key declared in configuration, known by name; the value itself is only kept as a keyed hash.</summary>
internal sealed class ClientKey
{
    public required string Name { get; init; }

    /// <summary>The key's value (only during snapshot construction; the snapshot keeps hashes).</summary>
    public required string Value { get; init; }

    /// <summary>The key's own routing requirement (<c>keys[].privacy.routing</c>), narrowing the server's; null = none.</summary>
    public Privacy.DataPolicyRequirement? Routing { get; init; }

    /// <summary>The key's own redaction policy (<c>keys[].privacy.redaction</c>), narrowing the server default; null for none.</summary>
    public Privacy.RedactionPolicy? Redaction { get; init; }
}
