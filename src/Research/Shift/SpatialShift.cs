using Research.Torch;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Shift;

/// <summary>The implementations of one spatial-shift operator. All give the same output and the same
/// input gradient (<see cref="ShiftDirection"/> states the map); they differ in the ATen operators they use.</summary>
public enum ShiftImpl
{
    /// <summary>S2-MLP Algorithm 1: clone, then copy shifted slices in place, group by group. A diagonal
    /// direction is its H copy followed by its W copy (two Algorithm 1 steps).</summary>
    Slicing,
    /// <summary><c>roll</c> on a replicate-padded input, then a crop of the H x W window.</summary>
    Roll,
    /// <summary>Depthwise 3x3 convolution of the replicate-padded input with one one-hot kernel per channel
    /// (S2-MLP §3.3: the shift is a fixed depthwise convolution).</summary>
    DepthwiseConv,
    /// <summary><c>grid_sample</c> at per-group offset locations (border padding, nearest sampling, so
    /// integer offsets are read exactly).</summary>
    GridSample,
    /// <summary>One <c>gather</c> over the flattened H x W positions with a per-channel source index.</summary>
    Gather,
    /// <summary>One <c>split</c> into direction groups, an <c>index_select</c> of clamped rows and/or
    /// columns per group, one <c>cat</c>. Its backward is one cat, small <c>index_add</c>s and one split,
    /// where slicing's backward copies the whole gradient per group.</summary>
    IndexSelect,
    /// <summary>The fastest, and the default: one native operator (src/native/shift.cpp) that copies
    /// Algorithm 1's slices forward and writes the exact adjoint backward, one pass over the gradient.</summary>
    Native,
}

/// <summary>The spatial-shift operator of S2-MLP / S2-MLPv2 as a function:
/// out[b, y, x, c] = in[b, clamp(y - dy(c)), clamp(x - dx(c)), c] with (dy(c), dx(c)) the direction the
/// pattern gives channel c. Tensors are channels-last <c>[B, H, W, C]</c> (the kit's token layout) or,
/// with <c>channelsLast: false</c>, <c>[B, C, H, W]</c>.</summary>
public static class SpatialShift
{
    /// <summary>The implementation models use unless told otherwise.</summary>
    public const ShiftImpl DefaultImpl = ShiftImpl.Native;

    /// <summary>Shifts <paramref name="x"/> by <paramref name="pattern"/> with <paramref name="impl"/>.
    /// Builds the constant index/kernel tensors on every call; <see cref="SpatialShiftLayer"/> caches them.</summary>
    public static Tensor shift(Tensor x, ShiftPattern pattern, ShiftImpl impl = DefaultImpl, bool channelsLast = true)
    {
        using var plan = new ShiftPlan(pattern, x, channelsLast);
        return plan.Apply(x, impl);
    }

    /// <summary>The one-hot depthwise kernels <c>[C, 1, 3, 3]</c>: channel c has a single 1 at
    /// (1 - dy, 1 - dx), because a convolution reads in[y + i - 1, x + j - 1] at tap (i, j).</summary>
    public static Tensor DepthwiseKernels(ShiftPattern pattern, long channels, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var per = pattern.PerChannel(channels);
        var w = new float[channels * 9];
        for (long c = 0; c < channels; c++) w[c * 9 + (1 - per[c].Dy) * 3 + (1 - per[c].Dx)] = 1f;
        using var t = tensor(w, [channels, 1, 3, 3]);
        return t.to(device ?? Device.CPU, dtype);
    }
}

/// <summary>The constant tensors one shape needs (indices, kernels, grids), built on first use and kept
/// out of every dispose scope until the plan is disposed.</summary>
internal sealed class ShiftPlan : IDisposable
{
    // Past this many direction groups (an interleaved layout), per-group operators cost more than one gather.
    private const int MaxGroupsForSplit = 16;

    private readonly ShiftPattern _pattern;
    private readonly bool _channelsLast;
    private readonly long _c, _h, _w;
    private readonly ScalarType _dtype;
    private readonly Device _device;
    private readonly IReadOnlyList<(long Start, long Length, ShiftDirection Direction)> _runs;
    private readonly List<Tensor> _owned = new();
    private Tensor? _rowsDown, _rowsUp, _colsRight, _colsLeft, _kernels, _gatherIndex;
    private NativeKernels.ShiftGroup[]? _nativeGroups;
    private Dictionary<ShiftDirection, Tensor>? _grids;

    public ShiftPlan(ShiftPattern pattern, Tensor like, bool channelsLast)
    {
        if (like.dim() != 4)
            throw new ArgumentException($"SpatialShift: expected a 4-d tensor ({(channelsLast ? "[B, H, W, C]" : "[B, C, H, W]")}), got {like.Describe()}");
        var s = like.shape;
        (_h, _w, _c) = channelsLast ? (s[1], s[2], s[3]) : (s[2], s[3], s[1]);
        (_pattern, _channelsLast, _dtype, _device) = (pattern, channelsLast, like.dtype, like.device);
        _runs = pattern.Runs(_c);
    }

    public (long C, long H, long W, ScalarType Dtype, Device Device) Key => (_c, _h, _w, _dtype, _device);

    /// <summary>A <c>[B, C, H, W]</c> view for the operators that need channels first (padding, convolution,
    /// sampling). On channels-last input it passes through a flat view first, so that in backward the
    /// gradient handed to the layer before the shift is contiguous: libtorch 1.13's CPU
    /// <c>gelu_backward</c> (exact form) returns wrong values for a non-contiguous incoming gradient, and
    /// the permuted gradient these operators produce would otherwise reach it.</summary>
    private Tensor ChannelsFirst(Tensor x)
    {
        if (!_channelsLast) return x.alias();
        using var flat = x.reshape(-1);
        using var same = flat.view(x.shape);
        return same.permute(0, 3, 1, 2);                                // [B, H, W, C] -> [B, C, H, W]
    }

    private long CDim => _channelsLast ? 3 : 1;
    private long HDim => _channelsLast ? 1 : 2;
    private long WDim => _channelsLast ? 2 : 3;

    public Tensor Apply(Tensor x, ShiftImpl impl)
    {
        if (_pattern.IsIdentity) return x.alias();
        return impl switch
        {
            ShiftImpl.Slicing => Slicing(x),
            ShiftImpl.Roll => Roll(x),
            ShiftImpl.DepthwiseConv => DepthwiseConv(x),
            ShiftImpl.GridSample => GridSample(x),
            ShiftImpl.Gather => Gather(x),
            ShiftImpl.IndexSelect => _runs.Count > MaxGroupsForSplit ? Gather(x) : IndexSelect(x),
            ShiftImpl.Native => NativeKernels.spatial_shift(x, _nativeGroups ??= NativeGroups(), (int)CDim, (int)HDim, (int)WDim),
            _ => throw new ArgumentOutOfRangeException(nameof(impl), impl, null),
        };
    }

    // ----- (i) Algorithm 1 ------------------------------------------------------------------

    private Tensor Slicing(Tensor x)
    {
        var output = x.clone();
        foreach (var (start, length, d) in _runs)
        {
            if (d == ShiftDirection.Stay) continue;
            using var src = x.narrow(CDim, start, length);
            using var dst = output.narrow(CDim, start, length);
            if (d.Dy != 0) CopyShifted(dst, src, HDim, d.Dy, _h);
            if (d.Dx == 0) continue;
            if (d.Dy == 0) CopyShifted(dst, src, WDim, d.Dx, _w);
            else
            {
                // The W step reads what the H step wrote, as two successive Algorithm 1 copies.
                using var afterRows = dst.clone();
                CopyShifted(dst, afterRows, WDim, d.Dx, _w);
            }
        }
        return output;
    }

    /// <summary>k = +1: <c>dst[1:] = src[:n-1]</c>; k = -1: <c>dst[:n-1] = src[1:]</c>; the vacated end keeps dst's value.</summary>
    private static void CopyShifted(Tensor dst, Tensor src, long dim, int k, long n)
    {
        if (n < 2) return;
        using var to = dst.narrow(dim, k > 0 ? 1 : 0, n - 1);
        using var from = src.narrow(dim, k > 0 ? 0 : 1, n - 1);
        to.copy_(from);
    }

    // ----- (ii) roll on a replicate-padded input ----------------------------------------------

    private Tensor Roll(Tensor x)
    {
        using var scope = NewDisposeScope();
        var xc = ChannelsFirst(x);                                      // [B, H, W, C] -> [B, C, H, W]
        var padded = F.pad(xc, [1, 1, 1, 1], "replicate");             // [B, C, H + 2, W + 2]
        var parts = padded.split(_runs.Select(r => r.Length).ToArray(), 1);
        var crops = new Tensor[_runs.Count];
        for (int i = 0; i < _runs.Count; i++)
        {
            var d = _runs[i].Direction;
            // rolled[y] = padded[y - dy]; the crop's row y is padded row y + 1 = in[clamp(y - dy)].
            var rolled = d == ShiftDirection.Stay ? parts[i] : parts[i].roll([d.Dy, d.Dx], [2, 3]);
            crops[i] = rolled.narrow(2, 1, _h).narrow(3, 1, _w);
        }
        var result = cat(crops, 1);                                    // [B, C, H, W]
        return (_channelsLast ? result.permute(0, 2, 3, 1) : result).MoveToOuterDisposeScope();
    }

    // ----- (iii) depthwise convolution with one-hot kernels -------------------------------------

    private Tensor DepthwiseConv(Tensor x)
    {
        _kernels ??= Own(SpatialShift.DepthwiseKernels(_pattern, _c, _dtype, _device));
        using var scope = NewDisposeScope();
        var xc = ChannelsFirst(x);                                      // [B, H, W, C] -> [B, C, H, W]
        var padded = F.pad(xc, [1, 1, 1, 1], "replicate");             // [B, C, H + 2, W + 2]
        Tensor result;
        using (MacCounter.Pause())                                       // a shift moves values; no paper counts it as MACs
            result = F.conv2d(padded, _kernels, null, 1, 0, 1, _c);     // [B, C, H, W]
        return (_channelsLast ? result.permute(0, 2, 3, 1) : result).MoveToOuterDisposeScope();
    }

    // ----- (iv) sampling at per-channel offsets -------------------------------------------------

    private Tensor GridSample(Tensor x)
    {
        _grids ??= new Dictionary<ShiftDirection, Tensor>();
        using var scope = NewDisposeScope();
        long b = x.size(0);
        var xc = ChannelsFirst(x);                                      // [B, H, W, C] -> [B, C, H, W]
        var parts = xc.split(_runs.Select(r => r.Length).ToArray(), 1);
        var sampled = new Tensor[_runs.Count];
        for (int i = 0; i < _runs.Count; i++)
        {
            var d = _runs[i].Direction;
            if (d == ShiftDirection.Stay) { sampled[i] = parts[i]; continue; }
            if (!_grids.TryGetValue(d, out var grid)) _grids[d] = grid = Own(Grid(d));
            using var g = grid.expand(b, _h, _w, 2);                   // [1, H, W, 2] -> [B, H, W, 2]
            sampled[i] = F.grid_sample(parts[i], g, "nearest", "border", align_corners: true);
        }
        var result = cat(sampled, 1);                                  // [B, C, H, W]
        return (_channelsLast ? result.permute(0, 2, 3, 1) : result).MoveToOuterDisposeScope();
    }

    /// <summary>Normalised (x, y) source locations <c>[1, H, W, 2]</c>: pixel (y - dy, x - dx), off-grid
    /// locations clamped by the border padding.</summary>
    private Tensor Grid(ShiftDirection d)
    {
        var g = new float[_h * _w * 2];
        for (long y = 0; y < _h; y++)
            for (long xx = 0; xx < _w; xx++)
            {
                g[(y * _w + xx) * 2] = Normalise(xx - d.Dx, _w);
                g[(y * _w + xx) * 2 + 1] = Normalise(y - d.Dy, _h);
            }
        using var t = tensor(g, [1, _h, _w, 2]);
        return t.to(_device, _dtype);
    }

    // align_corners: pixel i of n sits at 2i/(n-1) - 1.
    private static float Normalise(long i, long n) => n > 1 ? (float)(2.0 * i / (n - 1) - 1.0) : 0f;

    // ----- gather: one index for every (position, channel) -------------------------------------

    private Tensor Gather(Tensor x)
    {
        _gatherIndex ??= Own(GatherIndex());
        long b = x.size(0);
        using var flat = _channelsLast ? x.reshape(b, _h * _w, _c) : x.reshape(b, _c, _h * _w);   // [B, H*W, C] or [B, C, H*W]
        using var index = _channelsLast ? _gatherIndex.expand(b, _h * _w, _c) : _gatherIndex.expand(b, _c, _h * _w);
        using var gathered = flat.gather(_channelsLast ? 1 : 2, index);
        return _channelsLast ? gathered.view(b, _h, _w, _c) : gathered.view(b, _c, _h, _w);
    }

    private Tensor GatherIndex()
    {
        var per = _pattern.PerChannel(_c);
        var idx = new long[_h * _w * _c];
        for (long y = 0; y < _h; y++)
            for (long xx = 0; xx < _w; xx++)
                for (long c = 0; c < _c; c++)
                {
                    long src = Math.Clamp(y - per[c].Dy, 0, _h - 1) * _w + Math.Clamp(xx - per[c].Dx, 0, _w - 1);
                    long p = y * _w + xx;
                    idx[_channelsLast ? p * _c + c : c * _h * _w + p] = src;
                }
        using var t = tensor(idx, _channelsLast ? [1, _h * _w, _c] : [1, _c, _h * _w]);
        return t.to(_device);
    }

    private NativeKernels.ShiftGroup[] NativeGroups() =>
        _runs.Select(r => new NativeKernels.ShiftGroup(r.Start, r.Length, r.Direction.Dy, r.Direction.Dx)).ToArray();

    // ----- split, index_select rows/columns, cat -------------------------------------------------

    private Tensor IndexSelect(Tensor x)
    {
        var parts = x.split(_runs.Select(r => r.Length).ToArray(), CDim);
        try
        {
            var shifted = new Tensor[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                var d = _runs[i].Direction;
                var t = parts[i];
                if (d.Dy != 0) t = Replace(t, parts[i], t.index_select(HDim, Rows(d.Dy)));
                if (d.Dx != 0) t = Replace(t, parts[i], t.index_select(WDim, Cols(d.Dx)));
                shifted[i] = t;
            }
            var result = cat(shifted, CDim);
            for (int i = 0; i < parts.Length; i++)
                if (!ReferenceEquals(shifted[i], parts[i])) shifted[i].Dispose();
            return result;
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    private static Tensor Replace(Tensor old, Tensor keep, Tensor next)
    {
        if (!ReferenceEquals(old, keep)) old.Dispose();
        return next;
    }

    /// <summary>Source rows for a shift by k along H: clamp(y - k, 0, H - 1).</summary>
    private Tensor Rows(int k) => k > 0 ? _rowsDown ??= Own(ClampedRange(_h, k)) : _rowsUp ??= Own(ClampedRange(_h, k));

    private Tensor Cols(int k) => k > 0 ? _colsRight ??= Own(ClampedRange(_w, k)) : _colsLeft ??= Own(ClampedRange(_w, k));

    private Tensor ClampedRange(long n, int k)
    {
        var idx = new long[n];
        for (long i = 0; i < n; i++) idx[i] = Math.Clamp(i - k, 0, n - 1);
        using var t = tensor(idx);
        return t.to(_device);
    }

    private Tensor Own(Tensor t)
    {
        t.DetachFromDisposeScope();
        _owned.Add(t);
        return t;
    }

    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }
}
