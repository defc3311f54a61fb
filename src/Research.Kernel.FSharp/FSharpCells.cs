using FSharp.Compiler.Diagnostics;
using FSharp.Compiler.EditorServices;
using FSharp.Compiler.Tokenization;
using Microsoft.FSharp.Collections;
using static FSharp.Compiler.Interactive.Shell;
using Microsoft.FSharp.Core;

namespace Research.Kernel.FSharp;

/// <summary>
/// F# cells: one F# Interactive session from FSharp.Compiler.Service, kept for the kernel's life, so a value bound
/// in one cell is there in the next. Written against plain .NET types, so the kernel that hosts it needs no F# of its
/// own; FSharp.Core is loaded only when the first F# cell runs.
/// </summary>
public sealed class FSharpCells : IDisposable
{
    private readonly FsiEvaluationSession _session;
    private readonly HashSet<string> _referenced = new(StringComparer.Ordinal);

    /// <param name="references">Assemblies every cell sees (the kit's, so notebooks need no <c>#r</c>).</param>
    /// <param name="referencePack">The SDK's reference assemblies for the running .NET (<c>packs/Microsoft.NETCore.App.Ref/
    /// VERSION/ref/netX.Y</c>), or null for F# Interactive's own default set.</param>
    /// <param name="stdout">Where F# Interactive writes what it prints (<c>printfn</c> goes to <see cref="Console"/>).</param>
    public FSharpCells(IEnumerable<string> references, string? referencePack, TextWriter stdout, TextWriter stderr)
    {
        var config = FsiEvaluationSession.GetDefaultConfiguration();
        // --noninteractive: cells come as strings, never from a console; --quiet: the kernel formats results itself
        string[] argv = ["fsi", "--noninteractive", "--nologo", "--quiet", "--gui-", "--multiemit+", "--optimize+",
            .. FrameworkReferences(referencePack), "-r:" + typeof(FSharpCells).Assembly.Location];
        _session = FsiEvaluationSession.Create(config, argv, TextReader.Null, stdout, stderr, FSharpOption<bool>.Some(false), null);
        Reference(references);
    }

    // Hosted, F# Interactive references little of the framework (System.Collections.Generic.List is not found), so it
    // gets the whole reference pack of the running runtime, as a project would; without a pack, its default.
    private static IEnumerable<string> FrameworkReferences(string? referencePack) => referencePack is null || !Directory.Exists(referencePack)
        ? []
        : [.. Directory.EnumerateFiles(referencePack, "*.dll").Order(StringComparer.Ordinal).Select(p => "-r:" + p),
           "--noframework", "-r:" + typeof(Unit).Assembly.Location];

    /// <summary>Makes <paramref name="assemblies"/> references of the cells that follow (each once).</summary>
    public IReadOnlyList<FSharpError> Reference(IEnumerable<string> assemblies)
    {
        var added = assemblies.Where(a => _referenced.Add(a)).ToList();
        if (added.Count == 0) return [];
        var (_, diagnostics) = _session.EvalInteractionNonThrowing(string.Join("\n", added.Select(a => $"#r @\"{a}\"")), null).ToValueTuple();
        return Errors(diagnostics);
    }

    /// <summary>Runs a cell: its last expression's value, its compile errors (line and column in the cell), or the
    /// exception its code threw.</summary>
    public FSharpCellResult Run(string code, CancellationToken cancellationToken)
    {
        var (choice, diagnostics) = _session.EvalInteractionNonThrowing(code, "cell.fsx", FSharpOption<CancellationToken>.Some(cancellationToken)).ToValueTuple();
        var errors = Errors(diagnostics);
        if (choice is FSharpChoice<FSharpOption<FsiValue>, Exception>.Choice2Of2 failed)
            return new FSharpCellResult(null, null, errors, errors.Count > 0 ? null : failed.Item);
        var value = ((FSharpChoice<FSharpOption<FsiValue>, Exception>.Choice1Of2)choice).Item;
        // unit is what a cell of bindings or of printfn gives: nothing to show
        if (FSharpOption<FsiValue>.get_IsNone(value) || value.Value.ReflectionType == typeof(Unit))
            return new FSharpCellResult(null, null, errors, null) { Warnings = Warnings(diagnostics) };
        return new FSharpCellResult(value.Value.ReflectionValue, value.Value.ReflectionType, errors, null) { Warnings = Warnings(diagnostics) };
    }

    /// <summary>Names that complete <paramref name="longIdentifier"/> (<c>List.ma</c>, <c>System.IO.Fi</c>, <c>myVa</c>).</summary>
    public IReadOnlyList<string> Complete(string longIdentifier) =>
        _session.GetCompletions(longIdentifier).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>The signature (and documentation, where the compiler has it) of the name <paramref name="names"/> whose
    /// last identifier ends at <paramref name="endColumn"/> (0-based) on <paramref name="line"/> (1-based) of
    /// <paramref name="code"/>, checked as the session's next interaction; null when there is nothing there.</summary>
    public string? ToolTip(string code, int line, int endColumn, IReadOnlyList<string> names)
    {
        var (_, check, _) = _session.ParseAndCheckInteraction(code, null).ToValueTuple();
        var lineText = code.Split('\n')[line - 1].TrimEnd('\r');
        var tip = check.GetToolTip(line, endColumn, lineText, ListModule.OfSeq(names), FSharpTokenTag.Identifier, null);
        var parts = new List<string>();
        foreach (var element in tip.Item)
        {
            if (element is not ToolTipElement.Group group) continue;
            foreach (var data in group.elements)
            {
                parts.Add(data.MainDescription.Text);
                if (data.XmlDoc is global::FSharp.Compiler.Symbols.FSharpXmlDoc.FromXmlText text && text.Item.UnprocessedLines.Length > 0)
                    parts.Add(string.Join("\n", text.Item.UnprocessedLines.Select(l => l.Trim())));
            }
        }
        return parts.Count == 0 ? null : string.Join("\n\n", parts);
    }

    /// <summary>Binds <paramref name="name"/> to <paramref name="value"/> as the F# type <paramref name="typeName"/> (a
    /// name F# can resolve, such as <c>System.Collections.Generic.List&lt;System.String&gt;</c>); the errors when it
    /// cannot. F# Interactive's own <c>AddBoundValue</c> types a value by a reflected type that its type checker takes
    /// for another than the one it compiles against (a bound double is not a float), so the binding is source code.</summary>
    public IReadOnlyList<FSharpError> Bind(string name, object? value, string typeName)
    {
        var key = Guid.NewGuid().ToString("N");
        FSharpSharedValues.Put(key, value);
        var run = Run($"let {name} : {typeName} = unbox<{typeName}> (Research.Kernel.FSharp.FSharpSharedValues.Take \"{key}\")", CancellationToken.None);
        FSharpSharedValues.Forget(key);
        return run.Errors.Count > 0 ? run.Errors
            : run.Exception is { } e ? [new FSharpError($"{name} could not be bound as {typeName}: {e.Message}", 1, 1, "")]
            : [];
    }

    /// <summary>The value the cells bound to <paramref name="name"/>, with its type; false when there is none.</summary>
    public bool TryGet(string name, out object? value, out Type? type)
    {
        var found = _session.TryFindBoundValue(name);
        if (FSharpOption<FsiBoundValue>.get_IsNone(found))
        {
            (value, type) = (null, null);
            return false;
        }
        (value, type) = (found.Value.Value.ReflectionValue, found.Value.Value.ReflectionType);
        return true;
    }

    /// <summary>The session's bound values, newest binding of each name.</summary>
    public IReadOnlyList<(string Name, Type Type, object? Value)> Variables() =>
        _session.GetBoundValues().Select(b => (b.Name, b.Value.ReflectionType, b.Value.ReflectionValue)).ToList();

    /// <summary>Asks the running cell to stop (F# Interactive's own interrupt).</summary>
    public void Interrupt() => _session.Interrupt();

    private static List<FSharpError> Errors(FSharpDiagnostic[] diagnostics) =>
        diagnostics.Where(d => d.Severity.IsError).Select(ToError).ToList();

    private static List<FSharpError> Warnings(FSharpDiagnostic[] diagnostics) =>
        diagnostics.Where(d => d.Severity.IsWarning).Select(ToError).ToList();

    private static FSharpError ToError(FSharpDiagnostic d) =>
        new(d.Message, d.StartLine, d.StartColumn + 1, $"FS{d.ErrorNumber:0000}");

    public void Dispose() => ((IDisposable)_session).Dispose();
}

/// <param name="Value">The cell's last expression, when it is not unit.</param>
/// <param name="Errors">Compile errors; when there are any, nothing ran.</param>
/// <param name="Exception">What the cell's code threw.</param>
public sealed record FSharpCellResult(object? Value, Type? Type, IReadOnlyList<FSharpError> Errors, Exception? Exception)
{
    public bool HasValue => Type is not null;

    public IReadOnlyList<FSharpError> Warnings { get; init; } = [];
}

/// <param name="Line">1-based line in the cell.</param>
/// <param name="Column">1-based column.</param>
public sealed record FSharpError(string Message, int Line, int Column, string Code);

/// <summary>Values on their way into an F# binding (<see cref="FSharpCells.Bind"/>). Not for cells' own use.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public static class FSharpSharedValues
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, object?> Waiting = new(StringComparer.Ordinal);

    internal static void Put(string key, object? value) => Waiting[key] = value;

    internal static void Forget(string key) => Waiting.TryRemove(key, out _);

    /// <summary>The value waiting under <paramref name="key"/>.</summary>
    public static object? Take(string key) =>
        Waiting.TryGetValue(key, out var value) ? value : throw new InvalidOperationException($"no shared value is waiting under {key}");
}
