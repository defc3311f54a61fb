using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;

namespace Research.Kernel.Execution;

/// <summary>What running one cell gave: compile errors, or the exception it threw, or its value.</summary>
/// <param name="Errors">Compile errors; empty when the cell compiled.</param>
/// <param name="Exception">What the cell threw, if it did.</param>
/// <param name="Value">The value of the cell's trailing expression.</param>
/// <param name="HasValue">True when the cell ends in an expression with a value (which may be null).</param>
internal sealed record CellRun(ImmutableArray<Diagnostic> Errors, Exception? Exception, object? Value, bool HasValue)
{
    public static CellRun CompileFailed(ImmutableArray<Diagnostic> errors) => new(errors, null, null, false);
}

/// <summary>
/// Runs cells as a chain of Roslyn script submissions: each cell continues from the state the last
/// one left, so its variables, methods and types stay visible. A cell that throws still passes
/// on the variables it set before the throw, as an interrupted one does.
/// </summary>
internal sealed class CellRunner
{
    private readonly ScriptEnvironment environment;
    private readonly KernelGlobals globals;
    private readonly ConcurrentDictionary<string, int> cellOfAssembly = new(StringComparer.Ordinal);
    private ScriptState<object>? state;

    // Bumped when a cell is left running after an interrupt, so that cell cannot replace the
    // state later cells built on if it ever finishes.
    private int generation;

    public CellRunner(ScriptEnvironment environment, KernelGlobals globals)
    {
        this.environment = environment;
        this.globals = globals;
    }

    public ScriptEnvironment Environment => environment;

    /// <summary>Runs an empty first submission, then compiles and runs a throwaway one, so Roslyn is loaded and compiled before the first cell.</summary>
    public void WarmUp()
    {
        state ??= CSharpScript.Create("", environment.Options, typeof(KernelGlobals)).RunAsync(globals).GetAwaiter().GetResult();
        try
        {
            var code = CancellationRewriter.Rewrite(Parse("int Twice(int n) { var s = 0; for (var i = 0; i < 2; i++) { s += n; } return s; }\nTwice(21)"));
            var script = state.Script.ContinueWith(code, environment.Options);
            script.Compile();
            _ = script.RunFromAsync(state, _ => true).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            // Only a head start was lost (an interrupt during start-up lands here); cells still run.
            KernelLog.Debug($"warm-up cell: {e.Message}");
        }
    }

    public static SyntaxTree Parse(string code) => CSharpSyntaxTree.ParseText(code, ScriptEnvironment.ParseOptions);

    /// <summary>The cell number a submission's assembly came from, to name it in stack traces.</summary>
    public int? CellOf(string assemblyName) => cellOfAssembly.TryGetValue(assemblyName, out var cell) ? cell : null;

    /// <summary>
    /// The compilation <paramref name="code"/> would have as the next cell, without running it:
    /// what completion and inspection ask their questions of.
    /// </summary>
    public Compilation Analyze(string code) => Continue(code).GetCompilation();

    /// <summary>The variables the cells have defined, the latest definition of each name, in the order first defined.</summary>
    public IReadOnlyList<(string Name, Type Type, object? Value)> Variables()
    {
        if (state is null) return [];
        var latest = new Dictionary<string, (string, Type, object?)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var variable in state.Variables)
        {
            if (!latest.ContainsKey(variable.Name)) order.Add(variable.Name);
            latest[variable.Name] = (variable.Name, variable.Type, variable.Value);
        }
        return order.Select(name => latest[name]).ToList();
    }

    /// <summary>Forgets the cell running now: whatever it does later, the next cell starts from the state before it.</summary>
    public void Abandon() => Interlocked.Increment(ref generation);

    /// <summary>Compiles and runs one cell on the calling thread.</summary>
    public CellRun Run(string code, int cellNumber, CancellationToken cancellation)
    {
        var runGeneration = Volatile.Read(ref generation);
        var tree = Parse(code);
        var instrumented = CancellationRewriter.Rewrite(tree);
        var script = Continue(instrumented);
        var errors = CompileErrors(script, cancellation);
        if (!errors.IsEmpty)
        {
            if (instrumented == code) return CellRun.CompileFailed(errors);
            // Report errors where the user wrote them: compile the cell as written.
            var plain = Continue(code);
            var plainErrors = CompileErrors(plain, cancellation);
            if (!plainErrors.IsEmpty) return CellRun.CompileFailed(plainErrors);
            KernelLog.Write($"cell {cellNumber} compiles only without interrupt checks; it runs without them: {errors[0]}");
            script = plain;
        }
        var compilation = script.GetCompilation();
        cellOfAssembly[compilation.AssemblyName ?? ""] = cellNumber;

        var run = state is null
            ? script.RunAsync(globals, _ => true, cancellation)
            : script.RunFromAsync(state, _ => true, cancellation);
        var next = run.GetAwaiter().GetResult();
        if (Volatile.Read(ref generation) != runGeneration) return new CellRun([], new OperationCanceledException("abandoned"), null, false);
        state = next;
        if (next.Exception is not null) return new CellRun([], next.Exception, null, false);
        var value = next.ReturnValue;
        return new CellRun([], null, value, value is not null || EndsInValueExpression(compilation));
    }

    /// <summary>
    /// Evaluates <paramref name="expression"/> against the current state without keeping anything
    /// it declares (for <c>user_expressions</c>).
    /// </summary>
    public object? Evaluate(string expression, CancellationToken cancellation)
    {
        var script = Continue(expression);
        var errors = CompileErrors(script, cancellation);
        if (!errors.IsEmpty) throw new CompilationErrorException(errors[0].ToString(), errors);
        var result = (state is null ? script.RunAsync(globals, null, cancellation) : script.RunFromAsync(state, null, cancellation))
            .GetAwaiter().GetResult();
        return result.ReturnValue;
    }

    private Script<object> Continue(string code) =>
        state is null
            ? CSharpScript.Create(code, environment.Options, typeof(KernelGlobals))
            : state.Script.ContinueWith(code, environment.Options);

    private static ImmutableArray<Diagnostic> CompileErrors(Script script, CancellationToken cancellation)
    {
        try
        {
            return [.. script.Compile(cancellation).Where(d => d.Severity == DiagnosticSeverity.Error)];
        }
        catch (CompilationErrorException e)
        {
            return [.. e.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)];
        }
    }

    /// <summary>
    /// True when the cell ends in an expression (no semicolon) whose type is not void, so a null
    /// result is shown as <c>null</c> rather than as nothing.
    /// </summary>
    private static bool EndsInValueExpression(Compilation compilation)
    {
        var tree = compilation.SyntaxTrees.LastOrDefault();
        if (tree?.GetRoot() is not CompilationUnitSyntax unit) return false;
        if (unit.Members.LastOrDefault() is not GlobalStatementSyntax { Statement: ExpressionStatementSyntax statement }
            || !statement.SemicolonToken.IsMissing)
            return false;
        var type = compilation.GetSemanticModel(tree).GetTypeInfo(statement.Expression).Type;
        return type is not null && type.SpecialType != SpecialType.System_Void;
    }
}
