using System.Text.Json.Nodes;
using Research.Plots;

namespace Research.Kernel.Display;

/// <summary>
/// Figures of Research.Plots: <c>application/vnd.plotly.v1+json</c> for frontends with a Plotly
/// renderer, and self-contained <c>text/html</c> for the rest and for exported HTML. plotly.js
/// (the offline copy) travels with the first figure of the kernel session only
/// (<see cref="NotebookRenderer"/>), so later outputs stay small.
/// </summary>
internal static class FigureFormatter
{
    public const string PlotlyType = "application/vnd.plotly.v1+json";

    /// <summary>The one renderer of the session, shared with <see cref="PlotlyNetFormatter"/>: plotly.js travels once.</summary>
    internal static readonly NotebookRenderer Renderer = new();

    public static void Register() => Formatters.Register<Figure>(Format);

    private static MimeBundle Format(Figure figure)
    {
        var bundle = new MimeBundle()
            .Add(MimeBundle.PlainTextType, figure.Title is { Length: > 0 } title ? $"Figure: {title}" : "Figure")
            .Add(PlotlyType, JsonNode.Parse(figure.ToPlotlyJson()) ?? new JsonObject());
        try
        {
            bundle.Add(MimeBundle.HtmlType, Renderer.ToHtml(figure, Formatters.CurrentDisplayId));
        }
        catch (FileNotFoundException e)
        {
            // Without the offline plotly.js there is no HTML that draws; say why instead.
            bundle.Add(MimeBundle.PlainTextType, $"{bundle.Text} (no HTML: {e.Message})");
        }
        return bundle;
    }
}
