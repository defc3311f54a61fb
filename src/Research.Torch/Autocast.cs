using Research.Torch.Native;

namespace Research.Torch;

public static partial class torch
{
    /// <summary>
    /// Mixed precision as <c>with torch.autocast(device_type, dtype):</c>: until disposed, operators on this thread
    /// that PyTorch lists as safe in lower precision (matrix products, convolutions, linear layers) run in
    /// <paramref name="dtype"/>, and the rest keep float32. Parameters stay float32; autocast casts a copy of each weight
    /// once per region. It is libtorch's own autocast dispatch key, so every operator the kit calls is cast as
    /// PyTorch casts it. Backward needs no region: it runs each operator in the dtype its forward used.
    /// </summary>
    public static AutocastScope autocast(DeviceType device_type, ScalarType dtype = ScalarType.BFloat16, bool enabled = true) =>
        new(device_type, dtype, enabled);

    public static bool is_autocast_enabled(DeviceType device_type) =>
        NativeMethods.rt_autocast_is_enabled((int)device_type) != 0;

    /// <summary>Restores the autocast state it replaced when disposed.</summary>
    public sealed class AutocastScope : IDisposable
    {
        private readonly DeviceType _device;
        private readonly int _previousEnabled, _previousDtype;
        private bool _disposed;

        internal AutocastScope(DeviceType device, ScalarType dtype, bool enabled)
        {
            _device = device;
            NativeMethods.Check(NativeMethods.rt_autocast_enter((int)device, enabled ? 1 : 0, (int)dtype,
                out _previousEnabled, out _previousDtype), $"autocast({device}, {dtype})");
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            NativeMethods.Check(NativeMethods.rt_autocast_exit((int)_device, _previousEnabled, _previousDtype), "autocast exit");
        }
    }
}
