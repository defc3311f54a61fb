using Research.Kernel.Execution;
using Research.Kernel.Display;
using Research.Kernel.Tests.Support;

namespace Research.Kernel.Tests.Execution;

/// <summary>Given <c>#r "nuget: ..."</c> in a cell, when it runs, then the package is restored by the SDK into the kernel's
/// NuGet cache, its assemblies and its dependencies' are the cell's references and load, a later start finds the
/// restore in the cache, and a package that cannot be had is one error naming it with the kernel still answering.</summary>
[Collection(InterpreterCollection.Name)]
public sealed class NuGetReferenceTests(InterpreterFixture kernel)
{
    [Fact]
    public void A_package_and_its_dependencies_are_restored_referenced_and_loaded()
    {
        var result = kernel.Result("#r \"nuget: Newtonsoft.Json, 13.0.4\"\n" +
                                   "Newtonsoft.Json.JsonConvert.SerializeObject(new { fromNuGet = 42 })");
        Assert.Equal("{\"fromNuGet\":42}", result);
        // Plotly.NET brings FSharp.Core (and Newtonsoft.Json >= 13.0.4) with it, and asks for FSharp.Core 5.0 at run
        // time while NuGet restored a newer one; a figure is built and serialised from C#
        var json = kernel.Result("#r \"nuget: Plotly.NET, 6.0.0\"\n" +
            "var figure = Plotly.NET.GenericChart.toFigureJson(Plotly.NET.Chart.Invisible());\n" +
            "figure.Contains(\"\\\"data\\\"\") && figure.Contains(\"\\\"layout\\\"\")");
        Assert.Equal("true", json);
    }

    [Fact]
    public void A_PlotlyNet_chart_shows_as_plotly_json_and_the_kits_offline_html()
    {
        kernel.Run("#r \"nuget: Plotly.NET, 6.0.0\"\nPlotly.NET.Chart.Invisible()");      // the session's first figure carries plotly.js
        var shown = Assert.IsType<ExecuteSucceeded>(kernel.Run("Plotly.NET.Chart.Invisible()")).Result!;
        var figure = (System.Text.Json.Nodes.JsonObject)shown.Data["application/vnd.plotly.v1+json"];
        Assert.NotNull(figure["data"]);
        Assert.NotNull(figure["layout"]);
        var html = (string)shown.Data["text/html"];
        Assert.Contains("Plotly.newPlot", html);
        Assert.DoesNotContain("<script src", html);
        Assert.DoesNotContain("http", html);                                        // no CDN, nothing fetched
        Assert.StartsWith("Plotly.NET chart", shown.Text);
    }

    [Fact]
    public void A_packages_kernel_extension_loads_and_the_kits_offline_chart_still_wins()
    {
        var shown = Assert.IsType<ExecuteSucceeded>(kernel.Run("#r \"nuget: Plotly.NET.Interactive, 6.0.0\"\nPlotly.NET.Chart.Invisible()")).Result!;
        // the extension ran (nothing else registers a formatter for GenericChart with .NET Interactive) ...
        Assert.Equal("Plotly.NET.GenericChart", kernel.Result(
            "Microsoft.DotNet.Interactive.Formatting.Formatter.GetPreferredFormatterFor(typeof(Plotly.NET.GenericChart), \"text/html\").Type.FullName"));
        // ... and the kit's chart, drawn by the offline plotly.js, is what shows
        Assert.Contains("application/vnd.plotly.v1+json", shown.Data.Keys);
        Assert.DoesNotContain("requirejs", (string)shown.Data[MimeBundle.HtmlType]);
    }

    [Fact]
    public void A_kernel_extension_that_cannot_load_is_named_with_its_reason()
    {
        var folder = Directory.CreateTempSubdirectory("extension-");
        try
        {
            var broken = Path.Combine(folder.FullName, "Broken.Extension.dll");
            File.WriteAllText(broken, "not an assembly");
            var report = Assert.Single(InteractiveExtensions.Load([broken]));
            Assert.StartsWith("kernel extension Broken.Extension.dll did not load:", report);
            Assert.Empty(InteractiveExtensions.Load([broken]));                       // tried once
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_formatter_registered_with_dotnet_interactive_shows_a_value_the_kit_has_none_for()
    {
        kernel.Run("#r \"nuget: Plotly.NET.Interactive, 6.0.0\"");
        kernel.Run("record Celsius(double Degrees);\n" +
            "Microsoft.DotNet.Interactive.Formatting.Formatter.Register<Celsius>((c, w) => w.Write($\"<b>{c.Degrees} °C</b>\"), \"text/html\");");
        var shown = Assert.IsType<ExecuteSucceeded>(kernel.Run("new Celsius(21.5)")).Result!;
        Assert.Equal("<b>21.5 °C</b>", (string)shown.Data[MimeBundle.HtmlType]);
        Assert.Contains("21.5", shown.Text);
    }

    [Fact]
    public void A_version_conflict_is_NuGets_own_error_and_the_packages_before_it_stay()
    {
        kernel.Run("#r \"nuget: Plotly.NET, 6.0.0\"");
        var failed = Assert.IsType<ExecuteFailed>(kernel.Run("#r \"nuget: Newtonsoft.Json, 13.0.3\""));
        Assert.Contains("NU1605", failed.Value);
        Assert.Equal("true", kernel.Result("#r \"nuget: Plotly.NET, 6.0.0\"\ntypeof(Plotly.NET.Chart) is not null"));
    }

    [Fact]
    public void A_package_that_cannot_be_had_is_one_error_naming_it_and_the_kernel_goes_on()
    {
        kernel.Run("var beforeMissingPackage = 5;");
        var failed = Assert.IsType<ExecuteFailed>(kernel.Run("#r \"nuget: Research.NoSuchPackage.Anywhere, 1.0.0\"\n1"));
        Assert.Equal("NuGetError", failed.Name);
        Assert.Contains("Research.NoSuchPackage.Anywhere", failed.Value);
        Assert.Contains("NU1101", failed.Value);
        Assert.Equal("5", kernel.Result("beforeMissingPackage"));
    }

    [Theory]
    [InlineData("#r \"nuget: \"", "is not a package reference")]
    [InlineData("#r \"nuget: Some Package\"", "is not a package reference")]
    [InlineData("#r \"nuget: A, 1.0, extra\"", "is not a package reference")]
    [InlineData("#i \"nuget: \"", "needs a package source")]
    public void A_malformed_reference_is_named(string line, string words)
    {
        var failed = Assert.IsType<ExecuteFailed>(kernel.Run(line + "\n1"));
        Assert.Equal("NuGetError", failed.Name);
        Assert.Contains(words, failed.Value);
    }

    [Fact]
    public void A_second_start_reads_the_restore_from_the_cache_without_restoring()
    {
        var cache = Directory.CreateTempSubdirectory("nuget-cache-");
        try
        {
            var first = new NuGetReferences(cache.FullName);
            first.Prepare("#r \"nuget: Newtonsoft.Json, 13.0.4\"");
            var restored = Directory.GetFiles(cache.FullName, "project.assets.json", SearchOption.AllDirectories).Single();
            var written = File.GetLastWriteTimeUtc(restored);
            var second = new NuGetReferences(cache.FullName);
            second.Prepare("#r \"nuget: Newtonsoft.Json, 13.0.4\"");
            Assert.Equal(written, File.GetLastWriteTimeUtc(restored));
            var assemblies = second.Assemblies;
            Assert.Contains(assemblies, p => p.EndsWith("Newtonsoft.Json.dll", StringComparison.Ordinal));
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }
}
