using System.Text.Json.Nodes;
using Research.Runner.Tests.Support;

namespace Research.Runner.Tests;

/// <summary>Input that cannot be run: exit status 2, one line saying why, and nothing written.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("research-run-bad-").FullName;

    public static TheoryData<string, string?, string> Files => new()
    {
        { "missing.ipynb", null, "no such file" },
        { "broken.ipynb", "{\"cells\": [", "invalid JSON" },
        { "data.ipynb", "{\"hello\": 1}", "no cells" },
        { "old.ipynb", "{\"cells\": [], \"metadata\": {}, \"nbformat\": 3, \"nbformat_minor\": 0}", "nbformat 3" },
        { "python.ipynb", TestNotebook.Create([TestNotebook.Code("print(1)")], kernel: "python3", language: "python").ToJsonString(), "kernel 'python3' (python)" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void A_file_that_is_not_a_csharp_notebook_is_refused(string name, string? content, string reason)
    {
        if (content is not null) File.WriteAllText(Path.Combine(folder, name), content);

        var exit = RunnerProcess.Run(folder, name, "--out", "out");

        Assert.Equal(2, exit.Code);
        var line = Assert.Single(exit.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"research-run: {name}: ", line);
        Assert.Contains(reason, line);
        Assert.False(Directory.Exists(Path.Combine(folder, "out")));
    }

    [Theory]
    [InlineData("unknown option '--frobnicate'", "notebook.ipynb", "--frobnicate")]
    [InlineData("unknown budget 'huge'", "notebook.ipynb", "--budget", "huge")]
    [InlineData("'soon' is not a number of seconds", "notebook.ipynb", "--timeout", "soon")]
    [InlineData("--out needs a value", "notebook.ipynb", "--out")]
    [InlineData("no notebook given")]
    public void Wrong_arguments_are_refused_with_the_usage(string reason, params string[] args)
    {
        var exit = RunnerProcess.Run(folder, args);

        Assert.Equal(2, exit.Code);
        var lines = exit.Stderr.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("research-run: ", lines[0]);
        Assert.Contains(reason, lines[0]);
        Assert.Equal(RunnerOptions.Usage, lines[1]);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
