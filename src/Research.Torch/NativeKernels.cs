using Research.Torch.Native;

namespace Research.Torch;

/// <summary>Operators the kit implements natively (src/native), beside ATen's, because composing ATen
/// operators cost more than one pass over the data.</summary>
public static class NativeKernels
{
    /// <summary>One channel group of <see cref="spatial_shift"/>: channels [Start, Start + Length) move
    /// by (Dy, Dx), each in {-1, 0, 1}.</summary>
    public readonly record struct ShiftGroup(long Start, long Length, int Dy, int Dx);

    /// <summary>The spatial shift of S2-MLP as one differentiable operator:
    /// out[.., y, x, ..] = x[.., clamp(y - dy), clamp(x - dx), ..] per channel group, so the vacated border
    /// keeps its old value. Its backward is the exact adjoint written by hand (one pass over the gradient),
    /// where autograd's chain over slice copies makes one full copy per group.</summary>
    /// <param name="x">A 4-d tensor with its channel, row and column axes at the given dimensions.</param>
    /// <param name="groups">Non-overlapping groups that together cover every channel.</param>
    /// <param name="channelDim">The channel axis (3 for channels-last <c>[B, H, W, C]</c>).</param>
    /// <param name="heightDim">The row axis.</param>
    /// <param name="widthDim">The column axis.</param>
    public static unsafe Tensor spatial_shift(Tensor x, IReadOnlyList<ShiftGroup> groups, int channelDim, int heightDim, int widthDim)
    {
        var flat = new long[groups.Count * 4];
        for (int k = 0; k < groups.Count; k++)
            (flat[4 * k], flat[4 * k + 1], flat[4 * k + 2], flat[4 * k + 3]) = (groups[k].Start, groups[k].Length, groups[k].Dy, groups[k].Dx);
        IntPtr result;
        fixed (long* p = flat)
        {
            var error = NativeMethods.rt_spatial_shift(x.HandleFor("spatial_shift"), p, groups.Count, channelDim, heightDim, widthDim, out result);
            if (error != IntPtr.Zero)
                throw new TorchException("spatial_shift", NativeMethods.TakeString(error)!, $"tensor {x.Describe()}");
        }
        return new Tensor(result);
    }
}
