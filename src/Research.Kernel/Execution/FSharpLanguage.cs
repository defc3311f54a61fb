using System.Text.Json.Nodes;
using Research.Kernel.Display;
using Research.Kernel.FSharp;

namespace Research.Kernel.Execution;

/// <summary>
/// <c>#!fsharp</c> cells, as Polyglot Notebooks ran them: one F# Interactive session for the kernel's life (started by
/// the first F# cell, so a C#-only notebook never loads the F# compiler), with the kit's assemblies referenced and
/// the packages of <c>#r "nuget: ..."</c> (restored by the interpreter for both languages) shared with the C# cells, so both languages see one restore and one
/// FSharp.Core (the one the F# compiler runs on, which is newer than any a package asks for).
/// </summary>
internal sealed class FSharpLanguage(ScriptEnvironment environment, KernelGlobals globals) : IDisposable
{
    private FSharpCells? _cells;

    private FSharpCells Cells => _cells ??= Start();

    private int _running;

    private const string BusyMessage = "the F# session is still running a cell that was interrupted and did not stop; " +
        "F# cells run again once it ends (C# cells run now), or restart the kernel";

    /// <summary>Asks F# Interactive to stop the running cell (compiled F# has no interrupt checks of its own).</summary>
    public void Interrupt() => _cells?.Interrupt();

    private FSharpCells Start()
    {
        // F# Interactive's own messages ("Stopped due to error") would repeat the error the kernel reports
        var cells = new FSharpCells(ScriptEnvironment.KitAssemblies(AppContext.BaseDirectory),
            ScriptEnvironment.ReferencePackDirectory(), Console.Out, TextWriter.Null);
        // display and clear_output as in C# cells; the kit's namespaces opened as C# cells have them imported
        cells.Bind("kernelGlobals", globals, typeof(KernelGlobals).FullName!);
        cells.Run(string.Join("\n", ScriptEnvironment.KitImports.Where(n => n != "Research.Torch.torch").Select(n => $"open {n}")) + "\n" +
                  "let display (value: obj) = kernelGlobals.display value\n" +
                  "let clear_output () = kernelGlobals.clear_output false", CancellationToken.None);
        return cells;
    }

    public ExecuteOutcome Run(string code, ExecuteRequest request, Func<object?, MimeBundle> format, CancellationToken token)
    {
        // F# Interactive brings its own FSharp.Core; a package's copy would be a second one
        var referenceErrors = Cells.Reference(environment.NuGet.Assemblies.Where(p => !Path.GetFileName(p).Equals("FSharp.Core.dll", StringComparison.OrdinalIgnoreCase)));
        if (referenceErrors.Count > 0) return Failed(referenceErrors, code);
        // An interrupted cell that did not stop is still running in the session, which takes one cell at a time
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            return ErrorReport.Named("FSharpBusy", BusyMessage);
        FSharpCellResult result;
        try
        {
            result = Cells.Run(code, token);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
        if (result.Errors.Count > 0) return Failed(result.Errors, code);
        if (result.Exception is not null)
            return ErrorReport.FromException(result.Exception, _ => null, interrupted: token.IsCancellationRequested);
        var shown = result.HasValue && !request.Silent ? format(result.Value) : null;
        return new ExecuteSucceeded(shown, [], new JsonObject());
    }

    /// <summary>Names completing the identifier that ends at <paramref name="position"/> (UTF-16 index into the cell),
    /// and where that last name starts.</summary>
    public (IReadOnlyList<string> Matches, int Start) Complete(string code, int position)
    {
        var start = position;
        while (start > 0 && (IsIdentifierPart(code[start - 1]) || code[start - 1] == '.')) start--;
        var longIdentifier = code[start..position];
        var lastDot = longIdentifier.LastIndexOf('.');
        var nameStart = start + lastDot + 1;
        var prefix = code[nameStart..position];
        var matches = Cells.Complete(longIdentifier).Where(m => m.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        return (matches, nameStart);
    }

    /// <summary>The signature of the name at <paramref name="position"/> (UTF-16 index into the cell, whose magic line
    /// is blank), as F# checks the cell; null when there is no name there or the compiler knows none.</summary>
    public string? Inspect(string code, int position)
    {
        int start = position, end = position;
        while (start > 0 && (IsIdentifierPart(code[start - 1]) || code[start - 1] == '.')) start--;
        while (end < code.Length && IsIdentifierPart(code[end])) end++;
        if (end == start) return null;
        var lineStart = start == 0 ? 0 : code.LastIndexOf('\n', start - 1) + 1;
        var line = code[..start].Count(c => c == '\n') + 1;
        var names = code[start..end].Split('.', StringSplitOptions.RemoveEmptyEntries);
        return names.Length == 0 ? null : Cells.ToolTip(code, line, end - lineStart, names);
    }

    // F# identifiers take primes (x')
    private static bool IsIdentifierPart(char c) => char.IsLetterOrDigit(c) || c is '_' or '\'';

    /// <summary>The values F# cells bound, without F# Interactive's <c>it</c>, functions, and what the kernel bound itself.</summary>
    public IReadOnlyList<(string Name, Type Type, object? Value)> Variables() => (_cells?.Variables() ?? [])
        .Where(v => v.Name is not ("it" or "kernelGlobals") && !IsFunction(v.Type))
        .ToList();

    private static bool IsFunction(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
            if (t.IsGenericType && t.GetGenericTypeDefinition().FullName == "Microsoft.FSharp.Core.FSharpFunc`2") return true;
        return false;
    }

    public bool TryGet(string name, out object? value, out Type? type)
    {
        if (_cells is null)
        {
            (value, type) = (null, null);
            return false;
        }
        return _cells.TryGet(name, out value, out type);
    }

    /// <summary>Binds <paramref name="name"/> to <paramref name="value"/> as <paramref name="type"/>, or as its nearest
    /// base type that F# can name from source; throws <see cref="ArgumentException"/> with F#'s words when it cannot.</summary>
    public void Bind(string name, object? value, Type type)
    {
        var nameable = Sharing.NameableType(type);
        Cells.Reference(Sharing.AssemblyFilesOf(nameable));
        var errors = Cells.Bind(name, value, Sharing.CSharpName(nameable).Replace("global::", ""));
        if (errors.Count > 0) throw new ArgumentException($"F# cannot bind '{name}': {errors[0].Message}");
    }

    private static ExecuteFailed Failed(IReadOnlyList<FSharpError> errors, string code) => ErrorReport.FromCompileErrors(
        errors.Select(e => new ErrorReport.CompileError("", e.Line, e.Column, e.Code, e.Message, InCell: true)).ToList(), code);

    public void Dispose() => _cells?.Dispose();
}
