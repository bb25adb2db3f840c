namespace Candor.Core.Configuration;

/// <summary>Invalid configuration. Each error names its place (file, line, column, path) and the fault; a file with
/// several faults reports them all at once, in document order.</summary>
internal sealed class ConfigException : Exception
{
    /// <summary>One error.</summary>
    public ConfigException(string message)
        : this([message])
    {
    }

    /// <summary>Every error of one load, in document order; the message lists them one per line.</summary>
    public ConfigException(IReadOnlyList<string> errors)
        : base(string.Join('\n', errors)) => Errors = errors;

    /// <summary>The errors, one per fault, in document order (at least one).</summary>
    public IReadOnlyList<string> Errors { get; }
}
