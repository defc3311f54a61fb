using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;
using static Research.Bench.BenchSupport;

namespace Research.Bench;

/// <summary>TorchSharp as a measured peer of `bench torch` and `bench s2mlp`: bench/Research.Bench.TorchSharp, the same
/// measurements written against TorchSharp 0.107.0 (its own libtorch, 2.10), built on first use and run as a child
/// process whose last line of output is one JSON object, as the Python side is run. A project of its own outside
/// Research.sln, so that the solution's build and tests never restore TorchSharp (its first build fetches about
/// 600 MB), and so that TorchSharp's libtorch never shares a process with ours. Every failure, a restore without the
/// network or a native library that does not load, comes back as a reason: the benchmarks then show n/a.</summary>
internal static class TorchSharpPeer
{
    private const string ProjectFolder = "bench/Research.Bench.TorchSharp";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(30);   // the first restore downloads libtorch
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(30);
    private static readonly Lazy<(string? Dll, string? Error)> Built = new(Build);

    /// <summary>Builds the TorchSharp side now rather than at its first run, so that what the build prints comes before
    /// a benchmark's table.</summary>
    public static void Prepare() => _ = Built.Value;

    /// <summary>Runs the TorchSharp side with <paramref name="arguments"/> in this process's OpenMP and malloc settings;
    /// its JSON, or why there is none.</summary>
    public static (JsonObject? Result, string? Error) Run(params string[] arguments)
    {
        var (dll, error) = Built.Value;
        if (dll is null) return (null, error);
        var (exit, stdout, stderr) = Execute("dotnet", [dll, .. arguments], OurProcessSettings(), RunTimeout);
        if (exit != 0) return (null, $"{ProjectFolder} {arguments[0]} failed (exit code {exit}): {Tail(stderr)}");
        var last = stdout.Trim().Split('\n')[^1];
        return last.StartsWith('{') && JsonNode.Parse(last) is JsonObject result
            ? (result, null)
            : (null, $"{ProjectFolder} {arguments[0]} printed no JSON: {Tail(stdout)}");
    }

    /// <summary>The line a benchmark prints above its table: TorchSharp's version and the native library it ran on (a
    /// patched copy, and why, on a libstdc++ older than GCC 13's), or why the column is n/a.</summary>
    public static string Describe(JsonObject? result, string? error) => result is null
        ? $"TorchSharp: n/a ({error})"
        : $"TorchSharp {result["torchsharp"]} on its libtorch {result["libtorch"]}, {result["threads"]} threads; native library: {result["native_library"]}";

    private static (string? Dll, string? Error) Build()
    {
        var project = Path.Combine(Root, ProjectFolder);
        var dll = Path.Combine(project, "bin", "Release", "net10.0", "Research.Bench.TorchSharp.dll");
        // the build runs every time (it is quick when nothing changed); the warning only where the download may follow
        if (!File.Exists(dll))
            Console.WriteLine($"building {ProjectFolder} (its first restore fetches TorchSharp 0.107.0 and libtorch 2.10, about 600 MB)");
        var (exit, stdout, stderr) = Execute("dotnet", ["build", project, "-c", "Release", "-nologo", "-v", "q", "-clp:ErrorsOnly",
            // no compiler or MSBuild server left behind holding this process's pipes open (ReadToEnd would wait for it)
            "--disable-build-servers"], null, BuildTimeout);
        if (exit != 0) return (null, $"dotnet build {ProjectFolder} failed (exit code {exit}): {Tail(stdout + stderr)}");
        return File.Exists(dll) ? (dll, null) : (null, $"dotnet build {ProjectFolder} left no {dll}");
    }

    private static (int Exit, string Stdout, string Stderr) Execute(string file, string[] arguments,
        IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        try
        {
            using var p = Process.Start(psi) ?? throw new Win32Exception($"could not start {file}");
            var stdout = p.StandardOutput.ReadToEndAsync();   // both pipes drained, so neither can fill and block the child
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeout))
            {
                p.Kill(entireProcessTree: true);
                return (-1, stdout.Result, $"no answer within {timeout.TotalMinutes:F0} minutes; {stderr.Result}");
            }
            return (p.ExitCode, stdout.Result, stderr.Result);
        }
        catch (Win32Exception e)
        {
            return (-1, "", $"cannot run {file}: {e.Message}");
        }
    }

    private static string Tail(string text)
    {
        text = text.Trim();
        return text.Length > 1500 ? "..." + text[^1500..] : text;
    }
}
