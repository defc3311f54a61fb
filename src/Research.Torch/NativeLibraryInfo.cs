using Research.Torch.Native;

namespace Research.Torch;

/// <summary>Which native code this process computes with: the shim's file and the libtorch it linked, so a result
/// can say what produced it (the run cache keys on both).</summary>
public static class NativeLibraryInfo
{
    /// <summary>The full path of libresearch_native.so as loaded (loading it first if nothing has yet).</summary>
    public static string ShimPath
    {
        get
        {
            NativeMethods.EnsureLoaded();
            _ = NativeMethods.rt_live_tensors();   // the resolver runs on the first call into the shim, not on the type's load
            return NativeLibraryLocator.LoadedPath ?? throw new InvalidOperationException("libresearch_native.so is loaded but its path is unknown");
        }
    }

    /// <summary>The libtorch shared objects mapped into this process (file names with their version suffix, such as
    /// <c>libtorch_cpu.so.1.13</c>), read from /proc/self/maps; empty where that file does not exist.</summary>
    public static IReadOnlyList<string> TorchLibraries
    {
        get
        {
            _ = ShimPath;
            const string maps = "/proc/self/maps";
            if (!File.Exists(maps)) return [];
            return File.ReadLines(maps).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 6)
                .Select(f => Path.GetFileName(f[^1])).Where(n => n.StartsWith("libtorch", StringComparison.Ordinal) || n.StartsWith("libc10", StringComparison.Ordinal))
                .Distinct().Order(StringComparer.Ordinal).ToList();
        }
    }
}
