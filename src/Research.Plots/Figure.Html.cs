using System.Net;
using System.Text;

namespace Research.Plots;

public sealed partial class Figure
{
    /// <summary>Plotly's config for every render: resizes with its container, no logo link.</summary>
    private const string PlotConfig = "{\"responsive\": true, \"displaylogo\": false}";

    /// <summary>
    /// A self-contained HTML fragment: a <c>div</c> and a script that draws the figure with <c>Plotly.newPlot</c>.
    /// </summary>
    /// <param name="includePlotlyJs">
    /// Embed plotly.js (<see cref="PlotlyJs.ScriptTag"/>). With false the fragment expects <c>window.Plotly</c>
    /// from elsewhere on the page (an earlier output, the report's head) and waits up to 30 s for it,
    /// then says in the div that plotly.js is missing.
    /// </param>
    /// <exception cref="FileNotFoundException">includePlotlyJs is true and plotly.js is not installed.</exception>
    public string ToHtml(bool includePlotlyJs = true) =>
        HtmlFragment(ToPlotlyJson(), $"width:{(Width is int w ? w + "px" : "100%")};height:{LayoutHeight}px;", includePlotlyJs);

    /// <summary>The HTML fragment of any Plotly figure JSON (<c>{"data": [...], "layout": {...}}</c>, as the kit's
    /// figures write it or as another library does, Plotly.NET's <c>toFigureJson</c>): a div of <paramref name="style"/>
    /// and a script that draws it with the offline plotly.js, embedded when <paramref name="includePlotlyJs"/>.</summary>
    /// <exception cref="FileNotFoundException">includePlotlyJs is true and plotly.js is not installed.</exception>
    public static string HtmlFragment(string figureJson, string style, bool includePlotlyJs = true)
    {
        string id = "plot-" + Guid.NewGuid().ToString("N")[..12];
        var html = new StringBuilder();
        if (includePlotlyJs) html.Append(PlotlyJs.ScriptTag()).Append('\n');
        html.Append($"<div id=\"{id}\" class=\"research-plot\" style=\"{style}\"></div>\n");
        html.Append("<script type=\"text/javascript\">\n");
        html.Append("(function () {\n");
        html.Append($"  var id = \"{id}\";\n");
        html.Append("  var figure = ").Append(figureJson).Append(";\n");
        html.Append("  function draw() {\n");
        html.Append("    var el = document.getElementById(id);\n");
        html.Append($"    if (el) window.Plotly.newPlot(el, figure.data, figure.layout, {PlotConfig});\n");
        html.Append("  }\n");
        html.Append("  if (window.Plotly) { draw(); return; }\n");
        // Front ends may run output scripts before the output that carries the library.
        html.Append("  var waited = 0, timer = setInterval(function () {\n");
        html.Append("    if (window.Plotly) { clearInterval(timer); draw(); return; }\n");
        html.Append("    if ((waited += 100) < 30000) return;\n");
        html.Append("    clearInterval(timer);\n");
        html.Append("    var el = document.getElementById(id);\n");
        html.Append("    if (el) el.textContent = \"plotly.js is not loaded on this page: re-run the first cell that shows a figure, or export with scripts/report.sh.\";\n");
        html.Append("  }, 100);\n");
        html.Append("})();\n");
        html.Append("</script>");
        return html.ToString();
    }

    /// <summary>A complete HTML page that shows the figure with no network.</summary>
    public string ToHtmlPage()
    {
        string title = WebUtility.HtmlEncode(Title ?? "Figure");
        return "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\" />\n" +
               $"<title>{title}</title>\n{PlotlyJs.ScriptTag()}\n</head>\n" +
               "<body style=\"margin:0;padding:8px;font-family:sans-serif;\">\n" +
               ToHtml(includePlotlyJs: false) + "\n</body>\n</html>\n";
    }

    /// <summary>Writes <see cref="ToHtmlPage"/> to <paramref name="path"/> (temporary file, then rename, so readers never see half a page).</summary>
    public void SaveHtml(string path) => AtomicFile.Write(path, Encoding.UTF8.GetBytes(ToHtmlPage()));
}

/// <summary>Writes files so that a crash never leaves a truncated one behind.</summary>
internal static class AtomicFile
{
    internal static void Write(string path, byte[] bytes)
    {
        string full = System.IO.Path.GetFullPath(path);
        string dir = System.IO.Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
