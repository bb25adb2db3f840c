namespace Candor.Transparency.Log;

/// <summary>A file of the log that does not hold what the tree needs: its resource path (<c>tile/…</c>) and what is
/// wrong with it.</summary>
internal readonly record struct TreeProblem(string Path, string What)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {What}";
}
