using System.Reflection;
using System.Text.Json.Nodes;

namespace Research.Kernel.Display;

/// <summary>
/// Plotly.NET's charts (<c>GenericChart</c>, from <c>#r "nuget: Plotly.NET"</c>) shown as the kit's own figures are:
/// <c>application/vnd.plotly.v1+json</c> with the chart's <c>{data, layout, frames}</c>, and HTML drawn by the kit's
/// offline plotly.js (Plotly.NET's own HTML loads plotly.js from a CDN and stays blank offline). The adapter reaches
/// Plotly.NET by reflection when the package loads, so the kernel itself takes no Plotly.NET and no FSharp.Core.
/// </summary>
internal static class PlotlyNetFormatter
{
    private const string AssemblyName = "Plotly.NET";
    private const string ChartType = "Plotly.NET.GenericChart";

    public static void Register()
    {
        AppDomain.CurrentDomain.AssemblyLoad += (_, e) => TryRegister(e.LoadedAssembly);
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies()) TryRegister(assembly);
    }

    private static void TryRegister(Assembly assembly)
    {
        if (assembly.GetName().Name != AssemblyName || assembly.GetType(ChartType) is not { } chartType) return;
        // toFigureJson lives on the module beside the type (GenericChart or GenericChartModule, as F# compiles it)
        var toFigureJson = new[] { ChartType, ChartType + "Module" }
            .Select(assembly.GetType).OfType<Type>()
            .Select(t => t.GetMethod("toFigureJson", BindingFlags.Public | BindingFlags.Static, [chartType]))
            .FirstOrDefault(m => m is not null && m.ReturnType == typeof(string));
        if (toFigureJson is null)
        {
            KernelLog.Write($"{AssemblyName} {assembly.GetName().Version}: no GenericChart.toFigureJson; its charts show as objects");
            return;
        }
        Formatters.Register(chartType, chart => Format((string)toFigureJson.Invoke(null, [chart])!));
    }

    private static MimeBundle Format(string figureJson)
    {
        var figure = JsonNode.Parse(figureJson) as JsonObject ?? [];
        var layout = figure["layout"] as JsonObject;
        var title = layout?["title"]?["text"]?.GetValue<string>();
        int height = layout?["height"]?.GetValue<int>() ?? 450;
        string width = layout?["width"] is { } w ? $"{w.GetValue<int>()}px" : "100%";
        var bundle = new MimeBundle()
            .Add(MimeBundle.PlainTextType, title is { Length: > 0 } ? $"Plotly.NET chart: {title}" : "Plotly.NET chart")
            .Add(FigureFormatter.PlotlyType, figure);
        try
        {
            bundle.Add(MimeBundle.HtmlType, FigureFormatter.Renderer.ToHtml(figureJson, $"width:{width};height:{height}px;", Formatters.CurrentDisplayId));
        }
        catch (FileNotFoundException e)
        {
            bundle.Add(MimeBundle.PlainTextType, $"{bundle.Text} (no HTML: {e.Message})");
        }
        return bundle;
    }
}
