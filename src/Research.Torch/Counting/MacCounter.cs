namespace Research.Torch;

/// <summary>A tally of the multiply-accumulates (MACs) of one real forward pass, kept by the tensor layer itself
/// (as PyTorch's <c>FlopCounterMode</c> is): <c>nn.functional.linear</c>, <c>nn.functional.conv2d</c> and
/// <c>matmul</c> report what their real inputs imply to the innermost active counter on their thread, so model
/// code counts by running and says nothing about it. With no counter active a report is one null check.
/// Papers of the MLP family print MACs as "FLOPs" (S2-MLP §3.4 counts the multiplications of its FC layers),
/// so a MAC here is what their tables call a FLOP.
/// <code>using var counter = MacCounter.Start(); model.forward(x); counter.Macs</code></summary>
public sealed class MacCounter : IDisposable
{
    [ThreadStatic] private static MacCounter? _current;
    [ThreadStatic] private static int _paused;

    private readonly MacCounter? _outer;
    private readonly Dictionary<string, long> _byOp = new();
    private readonly HashSet<Tensor> _weights = new(ReferenceEqualityComparer.Instance);
    private bool _disposed;

    private MacCounter()
    {
        _outer = _current;
        _current = this;
    }

    /// <summary>Starts counting on this thread until disposed.</summary>
    public static MacCounter Start() => new();

    /// <summary>Whether a counter is listening on this thread.</summary>
    public static bool Active => _current is not null && _paused == 0;

    /// <summary>Total multiply-accumulates reported.</summary>
    public long Macs { get; private set; }

    /// <summary>MACs by operator kind (linear, conv2d, matmul).</summary>
    public IReadOnlyDictionary<string, long> ByOp => _byOp;

    /// <summary>The weight tensors of the linear and convolution calls that reported: a layer whose weight is
    /// not here did not run (or ran outside the counted ops).</summary>
    public IReadOnlyCollection<Tensor> Weights => _weights;

    /// <summary>Adds <paramref name="macs"/> under <paramref name="op"/> to the active counter (and to the
    /// counters it is nested in), noting the <paramref name="weight"/> it multiplied by, if any.</summary>
    public static void Report(string op, long macs, Tensor? weight = null)
    {
        if (_paused != 0) return;
        for (var c = _current; c is not null; c = c._outer)
        {
            c.Macs += macs;
            c._byOp[op] = c._byOp.GetValueOrDefault(op) + macs;
            if (weight is not null) c._weights.Add(weight);
        }
    }

    /// <summary>Stops reporting on this thread until the result is disposed: for operators that use a counted op
    /// to move data rather than to compute (a spatial shift written as a one-hot depthwise convolution), whose
    /// MACs no paper counts.</summary>
    public static IDisposable Pause()
    {
        _paused++;
        return new Resume();
    }

    private sealed class Resume : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _paused--;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_current == this) _current = _outer;
    }
}
