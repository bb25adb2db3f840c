namespace Candor.Core.Routing;

/// <summary>Holds the current snapshot; readers take it once per request, writers swap it whole.</summary>
internal sealed class SnapshotHolder(RuntimeSnapshot initial)
{
    private RuntimeSnapshot _current = initial;

    public RuntimeSnapshot Current => Volatile.Read(ref _current);

    public void Swap(RuntimeSnapshot next) => Volatile.Write(ref _current, next);
}
