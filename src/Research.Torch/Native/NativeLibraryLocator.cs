using System.Reflection;
using System.Runtime.InteropServices;

namespace Research.Torch.Native;

/// <summary>Finds libresearch_native.so: through RESEARCH_NATIVE (a file or a folder; an explicit choice wins), next to
/// the assembly (a publish), then in the checkout's build folder above the assembly, so tests and notebooks run from a
/// clone.</summary>
internal static class NativeLibraryLocator
{
    private const string File = "libresearch_native.so";

    /// <summary>The file the shim was loaded from, once it is.</summary>
    internal static string? LoadedPath { get; private set; }

    internal static IEnumerable<string> Candidates(Assembly assembly) =>
        Candidates(assembly, Environment.GetEnvironmentVariable("RESEARCH_NATIVE"));

    /// <summary>The places to try, <paramref name="env"/> being RESEARCH_NATIVE's value: a parameter, so that no test
    /// sets the process's variable while another test's first call loads the shim through it.</summary>
    internal static IEnumerable<string> Candidates(Assembly assembly, string? env)
    {
        if (!string.IsNullOrEmpty(env)) yield return Directory.Exists(env) ? Path.Combine(env, File) : env;
        var here = Path.GetDirectoryName(assembly.Location) ?? AppContext.BaseDirectory;
        yield return Path.Combine(here, File);
        for (var dir = new DirectoryInfo(here); dir != null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Research.sln")))
            {
                yield return Path.Combine(dir.FullName, "build", "native", File);
                yield break;
            }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);

    private const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;

    // glibc serves every block over 128 KB (most activations) with a fresh mmap and returns
    // it on free, so each training step faults its working set in again page by page: the
    // 784-1024-1024-10 MLP step took ~1.9 million page faults and as much system time as
    // compute. A fixed 32 MB threshold (glibc's largest) and a 512 MB trim threshold keep
    // freed blocks for reuse; resident memory then stays at the step's peak.
    private static void KeepFreedMemory()
    {
        if ((Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "").Contains("glibc.malloc.")) return;
        MallOpt(M_MMAP_THRESHOLD, 32 << 20);
        MallOpt(M_TRIM_THRESHOLD, 512 << 20);
    }

    internal static IntPtr Load(IEnumerable<string> candidates)
    {
        // libgomp reads its settings once, when libtorch loads it. Its default lets idle pool
        // threads spin, which on a 2-core machine takes the core from the thread with work
        // (graph training ran 3-4x slower with 2 threads than with 1 that way); a passive wait
        // gives it back. Set only when the user has not chosen.
        SetEnv("OMP_WAIT_POLICY", "PASSIVE", overwrite: 0);
        KeepFreedMemory();
        var tried = new List<string>();
        foreach (var candidate in candidates)
        {
            if (!System.IO.File.Exists(candidate))
            {
                tried.Add($"{candidate} (no such file)");
                continue;
            }
            try
            {
                var handle = NativeLibrary.Load(candidate);
                LoadedPath = Path.GetFullPath(candidate);
                return handle;
            }
            catch (DllNotFoundException e)
            {
                // the loader's own words tell a missing libtorch (a dependency) from a broken shim
                tried.Add($"{candidate} ({e.Message})");
            }
        }
        throw new DllNotFoundException(
            $"The native shim {File} was not found or could not be loaded. Tried: {string.Join("; ", tried)}. " +
            "Build it with `./research setup` (it needs Debian's libtorch-dev), or set RESEARCH_NATIVE to its path.");
    }
}
