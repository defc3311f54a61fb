using Research.Kernel.Display;
using Research.Kernel.Execution;
using Research.Kernel.Tests.Support;

namespace Research.Kernel.Tests.Execution;

/// <summary>Given cells that open with Polyglot Notebooks' magics, when they run, then the kernel does what Polyglot did
/// (show HTML, Markdown and JavaScript, time a C# cell, list variables), refuses the magics of kernels it does not host
/// with a clear error, and keeps its state for the next cell.</summary>
[Collection(InterpreterCollection.Name)]
public sealed class CellMagicsTests(InterpreterFixture kernel)
{
    private IReadOnlyList<RecordingOutput.Event> Shown(string code, out ExecuteOutcome outcome)
    {
        kernel.Output.Clear();
        outcome = kernel.Run(code);
        return kernel.Output.Events;
    }

    [Theory]
    [InlineData("#!html\n<b>bold</b>\n", "text/html", "<b>bold</b>")]
    [InlineData("#!markdown\n# Title", "text/markdown", "# Title")]
    [InlineData("#!md\n*x*", "text/markdown", "*x*")]
    [InlineData("#!javascript\nconsole.log(1);", "application/javascript", "console.log(1);")]
    [InlineData("#!js\nconsole.log(2);", "application/javascript", "console.log(2);")]
    public void Html_markdown_and_javascript_cells_are_shown_as_their_mime_type(string code, string mimeType, string content)
    {
        var events = Shown(code, out var outcome);
        Assert.IsType<ExecuteSucceeded>(outcome);
        var display = Assert.Single(events, e => e.Kind == "display");
        Assert.Equal(content, display.Bundle!.Data[mimeType]);
    }

    [Fact]
    public void A_csharp_magic_runs_the_rest_as_csharp_and_keeps_line_numbers()
    {
        Assert.Equal("42", kernel.Result("#!csharp\nvar magicAnswer = 6 * 7;\nmagicAnswer"));
        Assert.Equal("43", kernel.Result("#!c#\nmagicAnswer + 1"));
        var failed = Assert.IsType<ExecuteFailed>(kernel.Run("#!csharp\nvar ok = 1;\nvar broken = ok +;"));
        Assert.StartsWith("(3,", failed.Value);
    }

    [Fact]
    public void Time_runs_the_cell_and_prints_its_wall_time_after_its_output()
    {
        var events = Shown("#!time\nConsole.Out.Write(\"\");\nvar timedSum = Enumerable.Range(1, 10).Sum();\ntimedSum", out var outcome);
        Assert.Equal("55", Assert.IsType<ExecuteSucceeded>(outcome).Result!.Text);
        var stdout = string.Concat(events.Where(e => e.Kind == "stdout").Select(e => e.Text));
        Assert.Matches(@"^Wall time: \d+(\.\d+)? ms\n$", stdout);
    }

    [Fact]
    public void Who_and_whos_list_the_variables_the_cells_defined()
    {
        kernel.Run("var whoNumber = 3; var whoWords = new List<string> { \"a\" };");
        var who = Assert.IsType<ExecuteSucceeded>(kernel.Run("#!who")).Result!.Text;
        Assert.Contains("whoNumber", who);
        Assert.Contains("whoWords", who);
        var whos = Assert.IsType<ExecuteSucceeded>(kernel.Run("#!whos")).Result!;
        Assert.Matches(@"whoNumber\s+Int32\s+3", whos.Text);
        Assert.Matches(@"whoWords\s+List<String>", whos.Text);
        Assert.Contains("<td>whoNumber</td><td>Int32</td><td>3</td>", (string)whos.Data[MimeBundle.HtmlType]);
    }

    [Fact]
    public void Lsmagic_lists_every_magic_that_runs_here()
    {
        var text = Assert.IsType<ExecuteSucceeded>(kernel.Run("#!lsmagic")).Result!.Text;
        foreach (var (name, _, _) in CellMagics.Supported) Assert.Contains($"#!{name}", text);
    }

    [Theory]
    [InlineData("#!pwsh\nGet-Date", "#!pwsh is Polyglot Notebooks' kernel")]
    [InlineData("#!connect jupyter --kernel-name py", "#!connect is Polyglot Notebooks' cross-kernel magic")]
    [InlineData("#!frobnicate\n1", "#!frobnicate is not a magic of this kernel")]
    public void Other_kernels_and_unknown_magics_are_refused_and_the_state_is_kept(string code, string words)
    {
        kernel.Run("var keptThroughRefusal = 7;");
        var failed = Assert.IsType<ExecuteFailed>(kernel.Run(code));
        Assert.Equal("UnsupportedMagic", failed.Name);
        Assert.Contains(words, failed.Value);
        Assert.Contains("#!lsmagic", failed.Value);
        Assert.Equal("7", kernel.Result("keptThroughRefusal"));
    }

    [Fact]
    public void A_shebang_or_a_plain_cell_is_not_a_magic()
    {
        Assert.Null(CellMagics.Parse("var x = 1; // #!html"));
        Assert.Null(CellMagics.Parse("#!/usr/bin/env dotnet-script\n1"));
        Assert.Equal(new CellMagics.Magic("html", "--x", "\n<p/>"), CellMagics.Parse("#!html --x\n<p/>"));
    }
}
