using Research.Kernel.Execution;

namespace Research.Kernel.Tests.Support;

/// <summary>
/// One interpreter for a whole collection of tests: Roslyn's start-up is paid once. Tests share
/// its state, so each uses names of its own. Console is not redirected (tests run side by side).
/// </summary>
public sealed class InterpreterFixture : IDisposable
{
    internal RecordingOutput Output { get; } = new();

    public CSharpInterpreter Interpreter { get; }

    private int count;

    public InterpreterFixture()
    {
        Interpreter = new CSharpInterpreter(Output, baseDirectory: AppContext.BaseDirectory, redirectConsole: false);
        Interpreter.WaitUntilReady();
    }

    public ExecuteOutcome Run(string code, bool silent = false, IReadOnlyDictionary<string, string>? expressions = null) =>
        Interpreter.Execute(new ExecuteRequest(code, Interlocked.Increment(ref count), silent, !silent, AllowStdin: true,
            expressions ?? new Dictionary<string, string>()));

    /// <summary>Runs a cell that must succeed and returns its result's text/plain (null when it shows nothing).</summary>
    public string? Result(string code)
    {
        var outcome = Run(code);
        if (outcome is ExecuteFailed failed) Assert.Fail($"the cell failed: {failed.Name}: {failed.Value}");
        var success = Assert.IsType<ExecuteSucceeded>(outcome);
        return success.Result?.Text;
    }

    public void Dispose() => Interpreter.Dispose();
}

[CollectionDefinition(Name)]
public sealed class InterpreterCollection : ICollectionFixture<InterpreterFixture>
{
    public const string Name = "interpreter";
}
