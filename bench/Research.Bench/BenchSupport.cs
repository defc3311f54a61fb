using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Research.Torch;

namespace Research.Bench;

/// <summary>What every benchmark shares: timing, the Python side, the output folder.</summary>
internal static class BenchSupport
{
    // Lazy, so that a command that needs no checkout (a self-contained publish on a GPU machine) still starts.
    private static readonly Lazy<string> root = new(FindRoot);

    public static string Root => root.Value;

    /// <summary>A file the benchmarks read (a Python script, a golden file), by its path in the checkout: the copy next to
    /// the binary first, which a self-contained publish carries (Research.Bench.csproj), else the checkout's.</summary>
    public static string Asset(string relativePath)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, relativePath);
        return File.Exists(beside) ? beside : Path.Combine(Root, relativePath);
    }

    /// <summary>Minimum over <paramref name="repeats"/> of the mean seconds per call over
    /// <paramref name="calls"/> calls. The minimum, as Python's timeit advises: on a shared
    /// machine noise only ever adds time, and both sides of a comparison are timed alike.</summary>
    public static double Timed(Action action, int calls, int repeats)
    {
        var samples = new double[repeats];
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++) action();
            samples[r] = sw.Elapsed.TotalSeconds / calls;
        }
        return samples.Min();
    }

    /// <summary>Runs a benchmark script with Debian's PyTorch and parses the JSON it prints last.</summary>
    public static JsonObject RunPython(string script, string arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3", $"{Path.Combine(Root, "bench", script)} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            psi.Environment[key] = value;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
        var stderr = p.StandardError.ReadToEndAsync();   // both pipes drained, so neither can fill and block the child
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"bench/{script} failed with exit code {p.ExitCode}:\n{stderr.Result}");
        var last = stdout.Trim().Split('\n')[^1];
        return JsonNode.Parse(last)!.AsObject();
    }

    /// <summary>glibc's malloc settings ours makes at start with mallopt (see NativeLibraryLocator), as the
    /// tunables a child process reads at its start.</summary>
    public const string MallocTunables = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=536870912";

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetEnv(string name);

    /// <summary>The settings this process runs with, as environment variables for a PyTorch child, so both
    /// sides of a comparison run alike: the OpenMP variables libgomp read (the native loader sets
    /// OMP_WAIT_POLICY with libc's setenv, which .NET's copy of the environment does not see) and the
    /// malloc tunables.</summary>
    public static Dictionary<string, string> OurProcessSettings()
    {
        var settings = new Dictionary<string, string>();
        foreach (var name in new[] { "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS" })
            if (Marshal.PtrToStringUTF8(GetEnv(name)) is { } value) settings[name] = value;
        settings["GLIBC_TUNABLES"] = MallocTunables;
        return settings;
    }

    public static string WriteJson(string name, JsonObject result)
    {
        result["machine"] = new JsonObject
        {
            ["cores"] = Environment.ProcessorCount,
            ["threads"] = torch.get_num_threads(),
            ["blas_threads"] = Threads.BlasThreads,
            ["date"] = DateTime.UtcNow.ToString("u"),
        };
        var path = Path.Combine(Root, "out", "bench", $"{name}.json");
        AtomicFile.WriteAllText(path, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    public static bool Quick(string[] args) => args.Contains("--quick");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Research.sln"))) return dir.FullName;
        throw new InvalidOperationException("Research.sln not found above the benchmark");
    }
}
