using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Research.Plots.Tests;

/// <summary>
/// Opens standalone figures and an exported notebook in Debian's Chromium with the network shut off,
/// and checks that every plot drew its SVG, that the page logged no error, and that the plotly.js in use
/// accepts every attribute of every figure. RESEARCH_PLOTLY_JS runs the same checks against another copy.
/// </summary>
public sealed class BrowserTests(Browser browser, ITestOutputHelper output) : IClassFixture<Browser>
{
    private static string Library => $"plotly.js {PlotlyJs.Version} ({PlotlyJs.Path})";

    [Fact]
    public async Task Every_chart_type_draws_as_a_standalone_page()
    {
        output.WriteLine(Library);
        string dir = Repo.OutputFolder("standalone");
        var pages = Samples.All.Select(s =>
        {
            string file = Path.Combine(dir, s.Name + ".html");
            File.WriteAllText(file, s.Page());
            return (s.Name, File: file, s.Selector, s.Count);
        }).ToArray();

        // Two pages at a time: each parses a full plotly.js, and parsing is what takes the time.
        using var slots = new SemaphoreSlim(2);
        var reports = await Task.WhenAll(pages.Select(async p =>
        {
            await slots.WaitAsync();
            try { return (p.Name, p.Count, Report: await browser.OpenAsync(p.File, p.Selector)); }
            finally { slots.Release(); }
        }));

        var failures = reports
            .Where(r => r.Report.Plots.Count != 1 || r.Report.Plots.Any(p => p.Svgs == 0 || p.Invalid.Count > 0)
                        || r.Report.Errors.Count > 0 || r.Report.Requests.Count > 0 || r.Report.Drawn != r.Count)
            .Select(r => $"{r.Name}: expected {r.Count} trace nodes, found {r.Report.Drawn}\n{r.Report}")
            .ToArray();
        Assert.True(failures.Length == 0, $"{Library}, {failures.Length} of {pages.Length} pages:\n" + string.Join("\n\n", failures));
    }

    [Fact]
    public async Task Every_figure_of_the_committed_notebooks_draws()
    {
        // Given every figure the committed notebooks show, as the kernel stored it, on one page with one plotly.js
        var figures = Directory.GetFiles(Path.Combine(Repo.Root, "notebooks"), "*.ipynb").Order()
            .SelectMany(nb => (JsonNode.Parse(File.ReadAllText(nb))!["cells"]?.AsArray() ?? [])
                .SelectMany(cell => cell!["outputs"]?.AsArray() ?? [])
                .Select(o => o!["data"]?["application/vnd.plotly.v1+json"])
                .OfType<JsonNode>()
                .Select((figure, k) => (Name: $"{Path.GetFileNameWithoutExtension(nb)} figure {k + 1}", Figure: figure)))
            .ToArray();
        Assert.NotEmpty(figures);
        var page = new StringBuilder("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\" />\n")
            .Append(PlotlyJs.ScriptTag()).Append("\n</head>\n<body>\n");
        foreach (var (_, figure) in figures)
            page.Append(Figure.HtmlFragment(figure.ToJsonString(), $"width:900px;height:{(int?)figure["layout"]?["height"] ?? 450}px;", includePlotlyJs: false))
                .Append('\n');
        string file = Path.Combine(Repo.OutputFolder("notebook-figures"), "figures.html");
        await File.WriteAllTextAsync(file, page.Append("</body>\n</html>\n").ToString());
        // One node per line, band, bar series, heatmap and table: what each trace type draws.
        int traces = figures.Sum(f => f.Figure["data"]!.AsArray().Count(t => (string?)t!["type"] is "scatter" or "bar" or "heatmap" or "table"));

        var report = await browser.OpenAsync(file, ".scatterlayer > .trace, .barlayer > .trace, .heatmaplayer .hm, .table");

        // Then each drew, with every attribute known to this plotly.js and nothing logged
        var failed = report.Plots.Select((p, k) => (Plot: p, k < figures.Length ? figures[k].Name : "?"))
            .Where(p => p.Plot.Svgs == 0 || p.Plot.Invalid.Count > 0).Select(p => $"{p.Item2}: {p.Plot}").ToArray();
        Assert.True(report.Plots.Count == figures.Length && failed.Length == 0 && report.Errors.Count == 0 && report.Drawn == traces,
            $"{Library}: {report.Plots.Count} plots of {figures.Length} figures, {report.Drawn} trace nodes of {traces}\n" +
            string.Join("\n", failed) + $"\nerrors: {string.Join("\n  ", report.Errors)}");
    }

    [Fact]
    public async Task Attributes_plotly_js_does_not_know_are_reported()
    {
        // A title font on a trace that has no title (plotly.js 2 rewrites titlefont as title.font before it is checked,
        // 3 and 4 keep the name), and a misspelt axis attribute: unknown to every version.
        const string figure = """
            {"data": [{"type": "scatter", "y": [1, 2], "titlefont": {"size": 20}}], "layout": {"xaxis": {"gridcolour": "#eeeeee"}}}
            """;
        string file = Path.Combine(Repo.OutputFolder("unknown-attributes"), "page.html");
        await File.WriteAllTextAsync(file, "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\" /></head>\n<body>\n" +
                                           Figure.HtmlFragment(figure, "width:400px;height:300px;") + "\n</body>\n</html>\n");

        var plot = Assert.Single((await browser.OpenAsync(file)).Plots);

        Assert.True(plot.Svgs > 0, $"{Library} did not draw the figure: {plot}");
        Assert.Contains(plot.Invalid, m => m.StartsWith("schema: In data trace 0, key title", StringComparison.Ordinal));
        Assert.Contains(plot.Invalid, m => m.StartsWith("schema: In layout, key xaxis.gridcolour", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_exported_notebook_draws_every_figure_offline()
    {
        // Given an executed notebook whose first figure carried plotly.js, exported by the report script
        string dir = Repo.OutputFolder("notebook");
        string notebook = TestNotebook.Write(Path.Combine(dir, "offline-plots.ipynb"));
        string output = Path.Combine(dir, "html");
        var (code, log) = await RunAsync("bash", Path.Combine(Repo.Root, "scripts", "report.sh"), notebook, output);
        Assert.True(code == 0, $"report.sh exited with {code}:\n{log}");
        string html = Path.Combine(output, "offline-plots.html");
        string page = await File.ReadAllTextAsync(html);

        // Then the page holds one copy of plotly.js, in its head, and loads no script or style from the web
        Assert.Single(Regex.Matches(page, "data-plotlyjs="));
        Assert.True(page.IndexOf("data-plotlyjs=", StringComparison.Ordinal) < page.IndexOf("<body", StringComparison.Ordinal));
        Assert.DoesNotMatch("<script[^>]+src=\"https?:", page);
        Assert.DoesNotMatch("<link[^>]+href=\"https?:", page);

        // And in the browser every figure drew, with no error and no request off the machine
        var report = await browser.OpenAsync(html);
        Assert.True(report.Plots.Count == TestNotebook.FigureCount && report.Plots.All(p => p.Svgs > 0 && p.Invalid.Count == 0)
                    && report.Errors.Count == 0 && report.Requests.Count == 0, $"{Library}\n{report}");
    }

    private static async Task<(int Code, string Log)> RunAsync(string exe, params string[] args)
    {
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
