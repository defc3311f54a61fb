using System.Text.Json.Nodes;

namespace Research.Plots.Tests;

/// <summary>A page to open in the browser, and the SVG/DOM nodes its traces must draw.</summary>
/// <param name="Page">The page's HTML, built only when the test opens it (it embeds plotly.js).</param>
/// <param name="Selector">Matches one node per drawn trace, point, image or cell.</param>
/// <param name="Count">How many nodes <paramref name="Selector"/> must match.</param>
internal sealed record SamplePage(string Name, Func<string> Page, string Selector, int Count);

/// <summary>One small figure of every chart type, shaped like what the notebooks draw, and charts as Plotly.NET writes them.</summary>
internal static class Samples
{
    public static double[] Epochs { get; } = Enumerable.Range(1, 10).Select(e => (double)e).ToArray();

    public static Figure Line() =>
        new Figure("Loss (mean ± std over seeds)")
            .Add(new LineTrace(Epochs, Epochs.Select(e => 2 * Math.Exp(-e / 4)).ToArray()) { Name = "S2-MLP" }
                .WithSpread(Epochs.Select(e => 0.2 / e).ToArray()))
            .Add(new LineTrace(Epochs, Epochs.Select(e => 2 * Math.Exp(-e / 5) + 0.1).ToArray()) { Name = "Mixer", Dash = Dash.Dashed })
            .WithLabels("epoch", "loss");

    public static Figure Scatter()
    {
        var x = Enumerable.Range(0, 60).Select(i => Math.Cos(i * 0.7) * (1 + i % 3)).ToArray();
        var y = Enumerable.Range(0, 60).Select(i => Math.Sin(i * 0.7) * (1 + i % 3)).ToArray();
        var label = Enumerable.Range(0, 60).Select(i => new[] { "T-shirt", "Trouser", "Bag" }[i % 3]).ToArray();
        return Plot.Scatter(x, y, groups: label, text: label.Select((l, i) => $"sample {i}: {l}").ToArray(), title: "Embedding");
    }

    /// <summary>Points coloured by a value through a colour scale, with its colour bar: accuracy against parameters and FLOPs.</summary>
    public static Figure ColoredScatter() =>
        new Figure("Accuracy against size")
            .Add(new ScatterTrace([5, 12, 22, 59], [71.2, 76.4, 78.9, 80.0])
            {
                Values = [1.1, 2.9, 5.4, 12.6],
                ColorScale = ColorScale.Blues,
                Text = ["S", "M", "B", "L"],
            })
            .WithLabels("parameters (M)", "top-1 (%)");

    /// <summary>Lines on a logarithmic y axis with a fixed range and a tick format.</summary>
    public static Figure LogLine()
    {
        var fig = Plot.Line(Epochs, [("train", Epochs.Select(e => Math.Pow(10, -e / 3)).ToArray()),
            ("test", Epochs.Select(e => 2 * Math.Pow(10, -e / 4)).ToArray())], title: "Loss", xLabel: "epoch", logY: true);
        fig.YAxis = fig.YAxis with { Min = 1e-4, Max = 10, TickFormat = ".0e" };
        return fig;
    }

    public static Figure HorizontalBar() =>
        new Figure("Throughput")
            .Add(new BarTrace(["S2-MLP", "Mixer", "ResMLP"], [812, 1024, 951])
            {
                Horizontal = true,
                Errors = [12, 20, 9],
                Text = ["812 img/s", "1024 img/s", "951 img/s"],
            })
            .WithLabels("images per second");

    /// <summary>Curves in a grid with shared x axes (the lower panel's axis <c>matches</c> the upper's) and panel titles.</summary>
    public static Figure SharedXGrid() =>
        Plot.Grid(2, 1,
        [
            Plot.Line(Epochs, [("S2-MLP", Epochs.Select(e => 2 / e).ToArray()), ("Mixer", Epochs.Select(e => 2.2 / e).ToArray())], title: "loss"),
            Plot.Line(Epochs, [("S2-MLP", Epochs.Select(e => 1 - 0.5 / e).ToArray()), ("Mixer", Epochs.Select(e => 1 - 0.6 / e).ToArray())], title: "accuracy"),
        ], shareX: true, title: "Training");

    public static Figure Bar() =>
        Plot.Bar(["CIFAR-10", "Fashion-MNIST"],
            [("S2-MLP", [91.2, 93.1], [0.4, 0.3]), ("Mixer", [88.5, 92.0], [0.6, 0.2])],
            title: "Top-1 accuracy", yLabel: "%");

    public static Figure Heatmap() =>
        Plot.Heatmap(new double[,] { { 0, 1, 0 }, { -1, 0.5, 0.25 }, { 0, -0.75, 0 } }, diverging: true, cellFormat: "0.00",
            title: "3x3 kernel");

    public static Figure Confusion()
    {
        var counts = new int[4, 4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                counts[i, j] = i == j ? 90 - 5 * i : (i + 2 * j) % 7;
        return Plot.ConfusionMatrix(counts, ["T-shirt", "Trouser", "Pullover", "Dress"]);
    }

    public static Figure GrayImages() =>
        Plot.ImageGrid(Enumerable.Range(0, 6).Select(n =>
        {
            var img = new double[28, 28];
            for (int i = 0; i < 28; i++)
                for (int j = 0; j < 28; j++)
                    img[i, j] = Math.Max(0, 1 - Math.Sqrt((i - 14) * (i - 14) + (j - 10 - n) * (j - 10 - n)) / 8);
            return img;
        }).ToArray(), cols: 3, titles: ["0", "1", "2", "3", "4", "5"], title: "Samples");

    public static Figure RgbImages() =>
        Plot.ImageGrid(Enumerable.Range(0, 3).Select(n =>
        {
            var img = new double[16, 16, 3];
            for (int i = 0; i < 16; i++)
                for (int j = 0; j < 16; j++)
                    (img[i, j, 0], img[i, j, 1], img[i, j, 2]) = (i / 15.0, j / 15.0, n / 2.0);
            return img;
        }).ToArray(), cols: 3);

    private sealed record Result(string Model, string Params, double Paper, double Ours);

    public static Figure Table() =>
        Plot.Table([new Result("S2-MLP-wide", "71M", 80.0, 79.4), new Result("Mixer-B/16", "59M", 76.4, double.NaN)],
            title: "ImageNet top-1");

    public static Figure Grid() =>
        Plot.Grid(1, 3, Enumerable.Range(0, 3).Select(c =>
        {
            var z = new double[5, 5];
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 5; j++)
                    z[i, j] = (i - 2) * (c - 1) + (j - 2);
            return Plot.Heatmap(z, diverging: true, cellFormat: "0", title: $"channel {c}");
        }), shareY: true, title: "Shifted meshgrid");

    public static Figure Curves(int epochs = 6)
    {
        var curves = new TrainingCurves(xRange: (1, 10), title: "Training");
        for (int e = 1; e <= epochs; e++)
            curves.Add(e, ("train loss", 2.0 / e), ("test loss", 2.2 / e), ("train acc", 1 - 0.5 / e), ("test acc", 1 - 0.6 / e));
        return curves.ToFigure();
    }

    /// <summary>A page as <see cref="Figure.SaveHtml"/> writes it.</summary>
    private static SamplePage Kit(string name, Figure figure, string selector, int count) =>
        new(name, figure.ToHtmlPage, selector, count);

    /// <summary>
    /// A chart as Plotly.NET 6.0.0 writes it (<c>{data, layout, frames}</c>, its default template in the layout;
    /// Fixtures/plotly-net/make.fsx), shown as the kernel shows it: the fragment of <see cref="Figure.HtmlFragment"/>
    /// carrying plotly.js, as a session's first figure does, sized from the layout. One node per line or bar trace.
    /// </summary>
    private static SamplePage PlotlyNet(string file)
    {
        string json = File.ReadAllText(Path.Combine(Repo.Root, "tests", "Research.Plots.Tests", "Fixtures", "plotly-net", file));
        var figure = JsonNode.Parse(json)!;
        var layout = figure["layout"]!;
        string style = $"width:{(int)layout["width"]!}px;height:{(int)layout["height"]!}px;";
        int traces = figure["data"]!.AsArray().Count(t => (string?)t!["type"] is "scatter" or "bar");
        return new("plotly-net-" + Path.GetFileNameWithoutExtension(file),
            () => $"<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\" /></head>\n<body>\n{Figure.HtmlFragment(json, style)}\n</body>\n</html>\n",
            ".scatterlayer .trace, .barlayer .trace", traces);
    }

    /// <summary>Every form of trace and layout the kit writes, and Plotly.NET's charts, each with what it must draw.</summary>
    public static IReadOnlyList<SamplePage> All { get; } =
    [
        Kit("line", Line(), ".scatterlayer .trace", 3),
        Kit("log-line", LogLine(), ".scatterlayer .trace", 2),
        Kit("scatter", Scatter(), ".scatterlayer .point", 60),
        Kit("colored-scatter", ColoredScatter(), ".scatterlayer .point", 4),
        Kit("bar", Bar(), ".barlayer .point", 4),
        Kit("horizontal-bar", HorizontalBar(), ".barlayer .point", 3),
        Kit("heatmap", Heatmap(), ".heatmaplayer image", 1),
        Kit("confusion", Confusion(), ".heatmaplayer image", 1),
        Kit("gray-images", GrayImages(), ".heatmaplayer image", 6),
        Kit("rgb-images", RgbImages(), ".im image", 3),
        Kit("table", Table(), ".table .cell-text", 12),
        Kit("grid", Grid(), ".heatmaplayer image", 3),
        Kit("shared-x-grid", SharedXGrid(), ".scatterlayer .trace", 4),
        Kit("curves", Curves(), ".scatterlayer .trace", 4),
        PlotlyNet("line.json"),
        PlotlyNet("column.json"),
        PlotlyNet("grid.json"),
    ];
}
