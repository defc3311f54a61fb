using System.Diagnostics;
using Research.Experiments;
using Research.Kernel.Execution;
using Research.Runner;

// research-run NOTEBOOK.ipynb [--budget B] [--out DIR] [--timeout S]: see RunnerOptions.Help.
// The cells' Console is the notebook's, so the runner's own lines go to the process's stderr
// through a writer taken before the interpreter redirects Console.
var log = new StreamWriter(Console.OpenStandardError()) { AutoFlush = true };

RunnerOptions? options;
try
{
    options = RunnerOptions.Parse(args);
}
catch (UsageException e)
{
    log.WriteLine($"research-run: {e.Message}");
    log.WriteLine(RunnerOptions.Usage);
    return 2;
}
if (options is null)
{
    Console.WriteLine(RunnerOptions.Help);
    return 0;
}

var notebookPath = Path.GetFullPath(options.Notebook);
var name = Path.GetFileName(notebookPath);
var target = Path.Combine(Path.GetFullPath(options.OutDirectory), name);
var folder = Path.GetDirectoryName(notebookPath)!;
if (options.Budget is { } budget) Environment.SetEnvironmentVariable(Budgets.EnvironmentVariable, budget);
string budgetName;
try
{
    budgetName = Budgets.Current.Name();
}
catch (ArgumentException e)
{
    log.WriteLine($"research-run: {e.Message}");
    return 2;
}

// Roslyn loads and compiles a warm-up cell on a background thread while the notebook is read.
var outputs = new NotebookOutputs();
using var interpreter = new CSharpInterpreter(outputs, baseDirectory: folder);
interpreter.Start();

NotebookDocument notebook;
try
{
    notebook = NotebookDocument.Load(notebookPath);
}
catch (NotebookInputException e)
{
    log.WriteLine($"research-run: {options.Notebook}: {e.Message}");
    return 2;
}

// Cells run where nbclient runs them: in the notebook's folder.
Directory.SetCurrentDirectory(folder);
var clock = Stopwatch.StartNew();
var result = new NotebookRunner(interpreter, outputs, options.CellTimeout).Run(notebook, () =>
{
    interpreter.WaitUntilReady();
    var started = DateTime.Now - Process.GetCurrentProcess().StartTime;
    clock.Restart();
    log.WriteLine($"research-run: started in {started.TotalSeconds:0.0} s ({name}, budget {budgetName})");
});

try
{
    notebook.Save(target);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    log.WriteLine($"research-run: {name}: could not write {target}: {e.Message}");
    return 1;
}
if (result.Failure is { } failure)
{
    var message = $"{failure.Name}: {failure.Value}".Split('\n')[0];
    log.WriteLine($"research-run: {name} failed at cell {failure.Position} (In [{failure.ExecutionCount}], id {failure.Id}): "
        + $"{(message.Length > 200 ? message[..200] + "..." : message)}; wrote {target}");
    return 1;
}
log.WriteLine($"research-run: {name}: {result.Executed} {(result.Executed == 1 ? "cell" : "cells")} ran in {clock.Elapsed.TotalSeconds:0.0} s; wrote {target}");
return 0;
