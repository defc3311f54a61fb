using System.Diagnostics;

namespace Research.Bench.Tests;

/// <summary>Runs the built benchmark (bench/Research.Bench/bin/CONFIG/net10.0/Research.Bench.dll) as a process, as
/// `./research bench` and a GPU machine run it, and collects its exit code and output.</summary>
internal static class BenchProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static string Root { get; } = FindRoot();

    /// <summary>Debian's PyTorch, the one the kit binds here (the <c>python3</c> on PATH may have none).</summary>
    public const string Python = "/usr/bin/python3";

    public static Result Run(params string[] args)
    {
        // tests/Research.Bench.Tests/bin/<configuration>/net10.0/: the benchmark is built in the same configuration.
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        string dll = Path.Combine(Root, "bench", "Research.Bench", "bin", configuration, "net10.0", "Research.Bench.dll");
        Assert.True(File.Exists(dll), $"the benchmark is not built: {dll}");
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(180_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"Research.Bench {string.Join(" ", args)} did not finish within 180 s");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Research.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Research.sln not found above {AppContext.BaseDirectory}");
    }
}
