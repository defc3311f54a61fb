using System.Text.Json;
using Microsoft.Playwright;

namespace Research.Plots.Tests;

/// <summary>What a page did: its plots, and anything it logged as an error or tried to fetch.</summary>
internal sealed record PageReport(
    IReadOnlyList<PlotReport> Plots, IReadOnlyList<string> Errors, IReadOnlyList<string> Requests, int Drawn)
{
    public override string ToString() =>
        $"plots: {string.Join("; ", Plots)}\nerrors: {string.Join("\n  ", Errors)}\nrequests off this machine: {string.Join(", ", Requests)}";
}

/// <summary>
/// One <c>.research-plot</c> div: how many Plotly SVG roots it holds, its text when it has none, and what the page's
/// plotly.js rejects of its figure (attributes that version does not know, such as those plotly.js 3 removed).
/// </summary>
internal sealed record PlotReport(string Id, int Svgs, string Text, IReadOnlyList<string> Invalid)
{
    public override string ToString() =>
        $"{Id}: {Svgs} svg{(Text.Length > 0 ? $", text \"{Text}\"" : "")}{(Invalid.Count > 0 ? ", invalid: " + string.Join("; ", Invalid) : "")}";
}

/// <summary>
/// Debian's Chromium driven by Playwright. The browser is the system's (no download), and every
/// request that would leave the machine is refused and recorded.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = HeadlessChromium.ExecutablePath,
            Headless = true,
            // The same flags as the image export, minus the ones Playwright sets itself.
            Args = HeadlessChromium.Flags("unused").Where(f => f != "--headless" && !f.StartsWith("--user-data-dir")).ToArray(),
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }

    /// <summary>
    /// JavaScript over a plot div <c>d</c>: the messages of <c>Plotly.validate</c> on the figure it drew that mean an
    /// attribute is unknown to this plotly.js, of the wrong kind, or a trace type it cannot draw.
    /// </summary>
    /// <remarks>
    /// Three kinds of message are left out because validate gives them for valid figures in every version from 2.6.3
    /// to 4.1.2: 'dynamic' for arrays such as a table's align, equal but not the same object after defaults; 'unused'
    /// for empty containers (Plotly.NET writes <c>marker: {}</c> on lines); and 'value' on a trace's <c>coloraxis</c>,
    /// which validate checks without the layout's colour axes.
    /// </remarks>
    private const string Rejected =
        "(window.Plotly && d.data ? (Plotly.validate(d.data, d.layout) || []) : [])" +
        ".filter(e => e.code !== 'dynamic' && e.code !== 'unused' && !(e.code === 'value' && e.astr === 'coloraxis'))" +
        ".map(e => e.code + ': ' + e.msg)";

    /// <summary>Opens a local file and waits until every plot on it drew (or 60 s passed).</summary>
    internal async Task<PageReport> OpenAsync(string file, string? countSelector = null)
    {
        var page = await _browser!.NewPageAsync();
        var errors = new List<string>();
        var requests = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") lock (errors) errors.Add("console: " + m.Text); };
        page.PageError += (_, e) => { lock (errors) errors.Add("page error: " + e); };
        page.RequestFailed += (_, r) => { lock (errors) errors.Add($"request failed: {r.Url} {r.Failure}"); };
        await page.RouteAsync("**/*", async route =>
        {
            string url = route.Request.Url;
            if (url.StartsWith("file:", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal))
                await route.ContinueAsync();
            else
            {
                lock (requests) requests.Add(url);
                await route.AbortAsync();
            }
        });
        try
        {
            await page.GotoAsync(new Uri(file).AbsoluteUri, new() { Timeout = 60_000 });
            try
            {
                await page.WaitForFunctionAsync(
                    "() => { const p = [...document.querySelectorAll('.research-plot')]; return p.length > 0 && p.every(d => d.querySelector('.main-svg')); }",
                    null, new() { Timeout = 60_000, PollingInterval = 100 });
            }
            catch (TimeoutException) { } // reported below as plots without SVG
            string json = await page.EvaluateAsync<string>(
                "() => JSON.stringify([...document.querySelectorAll('.research-plot')].map(d => ({ id: d.id, svgs: d.querySelectorAll('.main-svg').length, text: d.querySelector('.main-svg') ? '' : d.textContent, invalid: " + Rejected + " })))");
            var plots = JsonSerializer.Deserialize<PlotReport[]>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
            int drawn = countSelector is null ? 0 : await page.Locator(countSelector).CountAsync();
            lock (errors) lock (requests) return new PageReport(plots, errors.ToArray(), requests.ToArray(), drawn);
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
