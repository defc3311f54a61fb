using System.Diagnostics;

namespace Research.Runner.Tests.Support;

/// <summary>What one run of research-run did.</summary>
public sealed record RunnerExit(int Code, string Stdout, string Stderr);

/// <summary>
/// Runs research-run as users do, a process of its own: the runner sets the working directory,
/// the environment and Console for its cells, which tests in one process could not share.
/// </summary>
public static class RunnerProcess
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    /// <summary>The repository root: the folder above the tests that holds Research.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The runner built in the configuration these tests were built in (bin/&lt;Configuration&gt;/net10.0).</summary>
    public static string Dll { get; } = Path.Combine(Root, "src", "Research.Runner", "bin",
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0", "research-run.dll");

    public static RunnerExit Run(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // The budget reaches cells only through --budget in these tests.
        start.Environment.Remove("RESEARCH_BUDGET");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"research-run {string.Join(' ', args)} ran past {Limit.TotalMinutes} minutes");
        }
        return new RunnerExit(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Research.sln"))) return dir.FullName;
        throw new InvalidOperationException("Research.sln not found above " + AppContext.BaseDirectory);
    }
}
