using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Candor.Core.Configuration;

/// <summary>Collects every fault of one configuration file with its line and column, so that one load reports them
/// all. A reader throws <see cref="Fail"/>'s fault to abandon the setting it is reading; <see cref="Run"/> records it
/// and the reader goes on with the next setting. <see cref="ThrowIfAny"/> ends the load with every fault in document
/// order.</summary>
internal sealed class ConfigErrors(string source)
{
    private readonly List<(Mark Start, int Order, string Text)> _errors = [];

    /// <summary>Faults recorded so far.</summary>
    public int Count => _errors.Count;

    /// <summary>The fault to throw out of the setting being read; <see cref="Run"/> records it.</summary>
    public Exception Fail(YamlNode node, string path, string message) => new Fault(node.Start, Format(node.Start, path, message));

    /// <summary>Records a fault and lets the caller continue (a check that needs no unwinding).</summary>
    public void Report(YamlNode node, string path, string message) => Report(node.Start, path, message);

    /// <summary>Records a fault at a position that is no node's start (the end of the file, for a missing section).</summary>
    public void Report(Mark at, string path, string message) => Add(at, Format(at, path, message));

    /// <summary>Runs one reader; a fault it throws is recorded and false returned, so the caller reads on.</summary>
    public bool Run(Action read)
    {
        try
        {
            read();
            return true;
        }
        catch (Fault fault)
        {
            Add(fault.Start, fault.Message);
            return false;
        }
    }

    /// <summary>Throws one <see cref="ConfigException"/> listing every recorded fault, by line and column.</summary>
    public void ThrowIfAny()
    {
        if (_errors.Count > 0)
        {
            throw new ConfigException(_errors.OrderBy(static e => e.Start.Line).ThenBy(static e => e.Start.Column).ThenBy(static e => e.Order)
                .Select(static e => e.Text).ToArray());
        }
    }

    private void Add(Mark start, string text) => _errors.Add((start, _errors.Count, text));

    private string Format(Mark start, string path, string message) => $"{source}:{start.Line}:{start.Column}: {path}: {message}";

    /// <summary>Unwinds one setting; never leaves <see cref="Run"/>.</summary>
    private sealed class Fault(Mark start, string message) : Exception(message)
    {
        public Mark Start { get; } = start;
    }
}
