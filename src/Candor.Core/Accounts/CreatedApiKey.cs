namespace Candor.Core.Accounts;

/// <summary>A new key: the plaintext, which exists only here and is shown to its owner once, and its record.</summary>
internal sealed record CreatedApiKey(string PlaintextKey, ApiKeyRecord Record)
{
    /// <summary>Keeps the plaintext out of logs and debugger displays of the record.</summary>
    public override string ToString() => $"CreatedApiKey {{ Id = {Record.Id}, Prefix = {Record.DisplayPrefix} }}";
}
