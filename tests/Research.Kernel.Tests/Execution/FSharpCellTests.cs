using Research.Kernel.Display;
using Research.Kernel.Execution;
using Research.Kernel.Tests.Support;
using System.Diagnostics;

namespace Research.Kernel.Tests.Execution;

/// <summary>Given <c>#!fsharp</c> cells, when they run, then state carries from cell to cell, values show through the
/// kernel's formatters, compile errors name line and column, exceptions are errors, and the kernel keeps its state;
/// <c>#!share</c> and <c>#!set</c> carry typed values both ways between C# and F#; Tab completes and Shift+Tab shows
/// signatures in F# cells.</summary>
[Collection(InterpreterCollection.Name)]
public sealed class FSharpCellTests(InterpreterFixture kernel)
{
    [Fact]
    public void Bindings_carry_from_cell_to_cell_and_the_last_value_shows()
    {
        Assert.Null(kernel.Result("#!fsharp\nlet fsAnswer = 6 * 7"));
        Assert.Equal("84", kernel.Result("#!fsharp\nfsAnswer * 2"));
        Assert.Equal("[1, 4, 9]", kernel.Result("#!F#\n[ for i in 1 .. 3 -> i * i ] |> List.toArray"));
    }

    [Fact]
    public void Whos_lists_the_fsharp_values_after_the_csharp_ones_without_functions_or_it()
    {
        kernel.Run("var whosCsValue = 1;");
        kernel.Run("#!fsharp\nlet whosFsValue = [ 1; 2 ]\nlet whosFsFunction x = x + 1\n40 + 2");
        var text = Assert.IsType<ExecuteSucceeded>(kernel.Run("#!whos")).Result!.Text;
        Assert.Matches(@"whosFsValue \(F#\)\s+FSharpList<Int32>", text);
        Assert.True(text.IndexOf("whosCsValue", StringComparison.Ordinal) < text.IndexOf("whosFsValue", StringComparison.Ordinal));
        Assert.DoesNotContain("whosFsFunction", text);
        Assert.DoesNotContain("it (F#)", text);
        Assert.DoesNotContain("kernelGlobals", text);
    }

    [Fact]
    public void The_kits_namespaces_are_open_and_display_shows_a_value_now()
    {
        kernel.Output.Clear();
        var done = Assert.IsType<ExecuteSucceeded>(kernel.Run("#!fsharp\ndisplay (ShiftPatterns.Default.Name) |> ignore\n1 + 1"));
        Assert.Equal("2", done.Result!.Text);
        Assert.Contains(kernel.Output.Events, e => e.Kind == "display" && e.Text == Research.Shift.ShiftPatterns.Default.Name);
    }

    [Fact]
    public void A_compile_error_names_its_line_and_column_and_the_state_is_kept()
    {
        kernel.Run("#!fsharp\nlet keptThroughFsError = 5");
        var failed = Assert.IsType<ExecuteFailed>(kernel.Run("#!fsharp\nlet fine = 1\nlet wrong: int = \"text\""));
        Assert.Equal("CompilationError", failed.Name);
        Assert.StartsWith("(3,18): error FS0001:", failed.Value);
        Assert.Contains("let wrong: int = \"text\"", string.Join("\n", failed.Traceback));
        Assert.Equal("5", kernel.Result("#!fsharp\nkeptThroughFsError"));
    }

    [Fact]
    public void An_exception_is_the_cells_error_and_the_next_cell_runs()
    {
        var failed = Assert.IsType<ExecuteFailed>(kernel.Run("#!fsharp\n(failwith \"no luck\" : int)"));
        Assert.Equal("Exception", failed.Name);
        Assert.Equal("no luck", failed.Value);
        Assert.Equal("3", kernel.Result("#!fsharp\n1 + 2"));
    }

    [Fact]
    public void Share_brings_a_typed_value_from_csharp_to_fsharp_and_back()
    {
        kernel.Run("var csWords = new List<string> { \"shift\", \"mix\" };");
        Assert.Equal("2", kernel.Result("#!fsharp\n#!share --from csharp csWords\ncsWords.Count"));
        Assert.Equal("shift+mix", kernel.Result("#!fsharp\n#!share --from csharp csWords --as words\nwords |> String.concat \"+\""));
        kernel.Run("#!fsharp\nlet fsSquares = [ for i in 1 .. 4 -> i * i ]");
        // typed in C#: FSharp.Core's list of int, so Sum() needs no cast
        Assert.Equal("30", kernel.Result("#!share --from fsharp fsSquares\nfsSquares.Sum()"));
        Assert.Equal("FSharpList`1 Int32", kernel.Result("#!csharp\n#!share --from fsharp fsSquares --as again\n" +
            "static string StaticType<T>(T _) => typeof(T).Name + \" \" + typeof(T).GenericTypeArguments[0].Name;\nStaticType(again)"));
    }

    [Fact]
    public void A_value_of_a_type_only_fsharp_can_name_arrives_as_its_nearest_nameable_type()
    {
        kernel.Run("#!fsharp\ntype FsPoint = { X: int; Y: int }\nlet fsPoint = { X = 1; Y = 2 }");
        // its type lives in F# Interactive's memory, which C# cannot reference: the variable is an object
        Assert.Equal("Object FsPoint", kernel.Result("#!share --from fsharp fsPoint\n" +
            "static string DeclaredType<T>(T _) => typeof(T).Name;\nDeclaredType(fsPoint) + \" \" + fsPoint.GetType().Name"));
        Assert.Contains("X = 1", kernel.Result("fsPoint.ToString()"));
    }

    [Fact]
    public void Set_gives_text_or_another_languages_variable()
    {
        Assert.Equal("hello", kernel.Result("#!set --name setText --value hello\nsetText"));
        Assert.Equal("two words", kernel.Result("#!fsharp\n#!set --name setFsText --value \"two words\"\nsetFsText"));
        kernel.Run("var setSource = 2.5;");
        Assert.Equal("5", kernel.Result("#!fsharp\n#!set --name fromCsDouble --value @csharp:setSource\nfromCsDouble * 2.0"));
    }

    [Theory]
    [InlineData("#!fsharp\n#!share --from csharp noSuchVariableAnywhere\n1", "csharp has no variable 'noSuchVariableAnywhere'")]
    [InlineData("#!share --from python x\n1", "the languages here are csharp and fsharp")]
    [InlineData("#!share csWords\n1", "#!share needs --from")]
    [InlineData("#!set --value 3\n1", "#!set needs --name")]
    [InlineData("#!set --name x --value 3 --colour red\n1", "#!set: '--colour' is not an option")]
    public void A_share_that_cannot_be_done_is_named_and_the_state_is_kept(string code, string words)
    {
        kernel.Run("var keptThroughShare = 11;");
        var failed = Assert.IsType<ExecuteFailed>(kernel.Run(code));
        Assert.Equal("ShareError", failed.Name);
        Assert.Contains(words, failed.Value);
        Assert.Equal("11", kernel.Result("keptThroughShare"));
    }

    [Fact]
    public void Tab_completes_and_shift_tab_shows_the_signature_in_an_fsharp_cell()
    {
        kernel.Run("#!fsharp\nlet completionTarget = 1");
        var code = "#!fsharp\nList.ma";
        var completion = kernel.Interpreter.Complete(code, code.Length);
        Assert.Contains("map", completion.Matches);
        Assert.DoesNotContain("filter", completion.Matches);
        Assert.Equal(code.Length - 2, completion.CursorStart);
        code = "#!fsharp\ncompletionTa";
        Assert.Equal(["completionTarget"], kernel.Interpreter.Complete(code, code.Length).Matches);
        var inspection = kernel.Interpreter.Inspect("#!fsharp\nList.map id [1]", 15, 0);
        Assert.True(inspection.Found);
        Assert.Equal("val map: mapping: ('T -> 'U) -> list: 'T list -> 'U list", inspection.Data!.Text);
        kernel.Run("#!fsharp\nlet inspectedTwice (x: int) = x * 2");
        Assert.Equal("val inspectedTwice: x: int -> int", kernel.Interpreter.Inspect("#!fsharp\n1 |> inspectedTwice", 17, 0).Data!.Text);
        Assert.False(kernel.Interpreter.Inspect("#!fsharp\n1 +  2", 12, 0).Found);
    }

    [Fact]
    public void A_package_restored_for_csharp_is_referenced_in_fsharp_too()
    {
        kernel.Run("#r \"nuget: Newtonsoft.Json, 13.0.4\"");
        Assert.Equal("{\"fs\":1}", kernel.Result("#!fsharp\nNewtonsoft.Json.JsonConvert.SerializeObject(dict [ \"fs\", 1 ])"));
    }

    [Fact]
    public void PlotlyNet_restored_in_an_fsharp_cell_runs_on_the_compilers_FSharpCore_and_shows_as_a_chart()
    {
        var shown = Assert.IsType<ExecuteSucceeded>(kernel.Run("#!fsharp\n#r \"nuget: Plotly.NET, 6.0.0\"\nopen Plotly.NET\nChart.Line([1; 2; 3], [2.0; 4.0; 8.0])")).Result!;
        Assert.Contains("application/vnd.plotly.v1+json", shown.Data.Keys);
        Assert.Equal(typeof(Microsoft.FSharp.Core.Unit).Assembly.GetName().Version, System.AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name == "FSharp.Core").Select(a => a.GetName().Version).Single());
        // and the same chart type from C#, after F# restored it
        Assert.Equal("true", kernel.Result("typeof(Plotly.NET.GenericChart) is not null"));
    }

    [Fact]
    public async Task An_fsharp_cell_that_does_not_stop_is_left_behind_and_the_session_says_it_is_busy_until_it_ends()
    {
        kernel.Run("#!fsharp\nlet beforeTheLoop = 3");
        var marker = Guid.NewGuid().ToString("N");
        // a loop with no call that an interrupt could wake, which ends by itself a few seconds later
        var running = Task.Run(() => kernel.Run($"#!fsharp\ndisplay \"{marker}\" |> ignore\n" +
            "let until = System.DateTime.UtcNow.AddSeconds 5.0\nwhile System.DateTime.UtcNow < until do ()"));
        while (!kernel.Output.Events.Any(e => e.Text == marker)) await Task.Delay(10).WaitAsync(TimeSpan.FromSeconds(30));
        kernel.Interpreter.Interrupt();
        var failed = Assert.IsType<ExecuteFailed>(await running.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("The cell was interrupted but did not stop.", failed.Value);
        Assert.Equal("2", kernel.Result("1 + 1"));                                    // C# runs at once
        Assert.Equal("FSharpBusy", Assert.IsType<ExecuteFailed>(kernel.Run("#!fsharp\nbeforeTheLoop")).Name);
        var clock = Stopwatch.StartNew();
        while (kernel.Run("#!fsharp\nbeforeTheLoop") is ExecuteFailed { Name: "FSharpBusy" } && clock.Elapsed < TimeSpan.FromSeconds(15))
            await Task.Delay(200);
        Assert.Equal("3", kernel.Result("#!fsharp\nbeforeTheLoop"));
    }
}
