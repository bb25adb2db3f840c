namespace Candor.Emulator.Faults;

/// <summary>Faults queued for the next requests, each entry applying to a number of requests in arrival order.</summary>
internal sealed class FaultQueue
{
    private readonly Lock _gate = new();
    private readonly Queue<(FaultSpec Spec, int Remaining)> _queue = new();

    public void Enqueue(FaultSpec spec, int count)
    {
        if (count <= 0)
        {
            return;
        }

        lock (_gate)
        {
            _queue.Enqueue((spec, count));
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _queue.Clear();
        }
    }

    public FaultSpec? TryTake()
    {
        lock (_gate)
        {
            if (!_queue.TryPeek(out var head))
            {
                return null;
            }

            _queue.Dequeue();
            if (head.Remaining > 1)
            {
                // Keep the entry at the head so its remaining uses come before later entries.
                var rest = _queue.ToArray();
                _queue.Clear();
                _queue.Enqueue((head.Spec, head.Remaining - 1));
                foreach (var item in rest)
                {
                    _queue.Enqueue(item);
                }
            }

            return head.Spec;
        }
    }
}
