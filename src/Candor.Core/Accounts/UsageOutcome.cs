namespace Candor.Core.Accounts;

/// <summary>How a request ended, as far as billing is concerned.</summary>
public enum UsageOutcome
{
    /// <summary>The client received the whole answer.</summary>
    Complete,

    /// <summary>The answer began but ended early (upstream cut, stream error).</summary>
    Partial,

    /// <summary>No answer was produced.</summary>
    Failed,

    /// <summary>The client went away.</summary>
    Cancelled,
}
