using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Research.Plots.Tests;

/// <summary>Which plotly.js the kit embeds: the pinned build copy first, the same file for the library and the scripts.</summary>
public sealed class PlotlyJsTests
{
    private static string LockedVersion()
    {
        var lockFile = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, "scripts", "plotly", "package-lock.json")))!;
        return (string)lockFile["packages"]!["node_modules/plotly.js-dist-min"]!["version"]!;
    }

    [Fact]
    public void The_setting_wins_then_the_pinned_build_copy_then_the_system_copies()
    {
        var paths = PlotlyJs.Candidates("/elsewhere/plotly.js", "/checkout");

        Assert.Equal("/elsewhere/plotly.js", paths[0]);
        Assert.Equal(Path.Combine("/checkout", PlotlyJs.BuildCopy), paths[1]);
        Assert.Contains("/usr/share/python3-plotly/plotly.js", paths.Skip(2));
        Assert.DoesNotContain(paths, p => p.StartsWith("/checkout", StringComparison.Ordinal) && p != paths[1]);
        Assert.Equal(paths.Skip(1), PlotlyJs.Candidates(null, "/checkout"));
        Assert.DoesNotContain(PlotlyJs.Candidates(null, null), p => p.EndsWith(PlotlyJs.BuildCopy, StringComparison.Ordinal));
    }

    [Fact]
    public void The_kit_embeds_the_version_the_lock_file_pins()
    {
        string pinned = Path.Combine(Repo.Root, PlotlyJs.BuildCopy);
        Assert.True(File.Exists(pinned), $"{pinned} is missing: ./research setup installs it (scripts/setup.d/plotly.sh).");
        string banner = File.ReadAllText(pinned)[..2000];
        Assert.Contains($"plotly.js v{LockedVersion()}\n", banner);

        string? custom = Environment.GetEnvironmentVariable(PlotlyJs.EnvironmentVariable);
        Assert.Equal(custom is { Length: > 0 } ? custom : pinned, PlotlyJs.Path);
    }

    [Fact]
    public void A_setting_that_names_a_missing_file_is_an_error_that_names_it()
    {
        string missing = Path.Combine(Repo.OutputFolder("missing-plotly"), "plotly.min.js");

        var e = Assert.Throws<FileNotFoundException>(() => PlotlyJs.Locate(missing, Repo.Root));

        Assert.Contains(PlotlyJs.EnvironmentVariable, e.Message);
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public async Task The_scripts_locate_the_same_file_as_the_library()
    {
        // Given a copy named by the setting, one that is missing, and none
        string dir = Repo.OutputFolder("locate");
        string custom = Path.Combine(dir, "plotly.min.js");
        await File.WriteAllTextAsync(custom, "/** plotly.js v9.9.9 */");
        string missing = Path.Combine(dir, "missing.js");

        // Then scripts/plotly/locate.sh, which report.sh, the GPU bundle and figure_png.py use, agrees with PlotlyJs
        foreach (string? setting in new[] { null, custom })
        {
            var (code, stdout, stderr) = await LocateAsync(setting);
            Assert.True(code == 0, $"locate.sh with {PlotlyJs.EnvironmentVariable}={setting} exited with {code}: {stderr}");
            Assert.Equal(PlotlyJs.Locate(setting, Repo.Root), stdout.Trim());
        }
        var failed = await LocateAsync(missing);
        Assert.NotEqual(0, failed.Code);
        Assert.Matches($"{PlotlyJs.EnvironmentVariable} names {Regex.Escape(missing)}", failed.Stderr);
        Assert.Equal("", failed.Stdout);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> LocateAsync(string? setting)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Repo.Root, "scripts", "plotly", "locate.sh"));
        // The child's environment only: this process's variable stays as the run set it.
        if (setting is null) start.Environment.Remove(PlotlyJs.EnvironmentVariable);
        else start.Environment[PlotlyJs.EnvironmentVariable] = setting;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
