using System.Globalization;

namespace Research.Runner;

/// <summary>A command line that cannot be run; the message is one line for stderr.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>What <c>research-run</c> was asked to do.</summary>
/// <param name="Notebook">The notebook to run, as given.</param>
/// <param name="Budget">smoke, quick or full, passed to the cells as <c>RESEARCH_BUDGET</c>; null keeps the environment's.</param>
/// <param name="OutDirectory">Where the executed notebook is written, under the notebook's own file name.</param>
/// <param name="CellTimeout">How long one cell may run before it is interrupted; null for no limit.</param>
internal sealed record RunnerOptions(string Notebook, string? Budget, string OutDirectory, TimeSpan? CellTimeout)
{
    public const string Usage = "usage: research-run NOTEBOOK.ipynb [--budget smoke|quick|full] [--out DIR] [--timeout SECONDS]";

    public const string Help = Usage + "\n" + """

        Runs the code cells of a C# notebook headless, through the kernel's own interpreter (no Jupyter,
        no Python), and writes DIR/NOTEBOOK.ipynb (nbformat 4.5) with their outputs. Cells run in the
        notebook's folder and stop at the first error, as under nbclient.
          --budget   smoke, quick or full: RESEARCH_BUDGET for the cells (default: the environment's, else quick)
          --out      the folder for the executed notebook (default out/notebooks)
          --timeout  seconds one cell may run before it is interrupted (default 3600; 0 for no limit)
        Exit status: 0 every cell ran, 1 a cell failed or timed out, 2 bad arguments or not a C# notebook.
        """;

    /// <summary>The defaults of scripts/run_notebooks.py, which this runner stands in for.</summary>
    public static readonly TimeSpan DefaultCellTimeout = TimeSpan.FromHours(1);

    /// <returns>The options, or null when help was asked for.</returns>
    /// <exception cref="UsageException">The arguments are wrong.</exception>
    public static RunnerOptions? Parse(IReadOnlyList<string> args)
    {
        string? notebook = null, budget = null, outDirectory = Path.Combine("out", "notebooks");
        TimeSpan? timeout = DefaultCellTimeout;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value(string name) =>
                i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value");
            switch (arg)
            {
                case "-h" or "--help":
                    return null;
                case "--budget":
                    budget = Value(arg).Trim().ToLowerInvariant();
                    if (budget is not ("smoke" or "quick" or "full")) throw new UsageException($"--budget: unknown budget '{budget}' (smoke, quick or full)");
                    break;
                case "--out":
                    outDirectory = Value(arg);
                    break;
                case "--timeout":
                    var text = Value(arg);
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0 || double.IsNaN(seconds))
                        throw new UsageException($"--timeout: '{text}' is not a number of seconds");
                    timeout = seconds == 0 ? null : TimeSpan.FromSeconds(seconds);
                    break;
                case var a when a.StartsWith('-') && a.Length > 1:
                    throw new UsageException($"unknown option '{a}'");
                default:
                    if (notebook is not null) throw new UsageException("one notebook at a time");
                    notebook = arg;
                    break;
            }
        }
        return notebook is null ? throw new UsageException("no notebook given") : new RunnerOptions(notebook, budget, outDirectory, timeout);
    }
}
