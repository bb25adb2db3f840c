using System.Reflection;

namespace Candor.Server.Operations;

/// <summary>The build's version and commit, from the informational version the SDK stamps (<c>1.2.3+commit</c>; the
/// commit comes from Source Link's git lookup, or <c>-p:SourceRevisionId=…</c> when building outside a checkout).</summary>
internal static class CandorVersion
{
    private static readonly string Informational =
        typeof(CandorVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The version without the commit.</summary>
    public static string Version => Informational.Split('+')[0];

    /// <summary>The commit the binary was built from, or <c>unknown</c>.</summary>
    public static string Commit => Informational.Split('+') is [_, { Length: > 0 } commit, ..] ? commit : "unknown";

    /// <summary>The line <c>candor version</c> prints.</summary>
    public static string Describe() => $"candor {Version} (commit {Commit}, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier})";
}
