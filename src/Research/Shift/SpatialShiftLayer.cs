using Research.Torch;
using static Research.Torch.torch;

namespace Research.Shift;

/// <summary>The spatial shift as a layer without parameters: the token mixer of S2-MLP and S2-MLPv2's
/// shift branches. Input and output are channels-last <c>[B, H, W, C]</c> unless
/// <paramref name="channelsLast"/> is false (<c>[B, C, H, W]</c>). The constant index tensors are built once
/// per input shape and kept with the layer.</summary>
public sealed class SpatialShiftLayer(ShiftPattern pattern, ShiftImpl impl = SpatialShift.DefaultImpl, bool channelsLast = true)
    : nn.Module<Tensor, Tensor>
{
    [nn.Ignore] private readonly Dictionary<(long, long, long, ScalarType, Device), ShiftPlan> _plans = new();

    public ShiftPattern Pattern { get; } = pattern;

    /// <summary>Which implementation runs; switching it leaves the output unchanged (up to the order of
    /// additions in the gradient at the borders).</summary>
    public ShiftImpl Impl { get; set; } = impl;

    public bool ChannelsLast { get; } = channelsLast;

    public override Tensor forward(Tensor x)
    {
        if (Pattern.IsIdentity) return x.alias();
        var probe = new ShiftPlan(Pattern, x, ChannelsLast);
        ShiftPlan plan;
        lock (_plans)
        {
            if (!_plans.TryGetValue(probe.Key, out plan!)) _plans[probe.Key] = plan = probe;
        }
        return plan.Apply(x, Impl);
    }

    public override string extra_repr() => $"{Pattern}, Impl={Impl}";
}
