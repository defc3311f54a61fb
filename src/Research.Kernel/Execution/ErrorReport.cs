using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace Research.Kernel.Execution;

/// <summary>
/// Compile errors and exceptions as Jupyter <c>error</c> content: a name, a value, and traceback
/// lines (ANSI-coloured, as frontends expect). Stack traces are cut to the user's code: frames of
/// Roslyn's script runner and of the kernel below the cell are left out.
/// </summary>
internal static partial class ErrorReport
{
    private const string Red = "\u001b[0;31m", Green = "\u001b[0;32m", Cyan = "\u001b[0;36m", Reset = "\u001b[0m";

    /// <summary>A compile error as the traceback shows it: where (a file name and colon, or empty for the cell), line and
    /// column (1-based), the compiler's id, its message, and whether the cell's own line is shown beneath.</summary>
    public sealed record CompileError(string Where, int Line, int Column, string Id, string Message, bool InCell);

    public static ExecuteFailed FromDiagnostics(IReadOnlyList<Diagnostic> errors, string code) =>
        FromCompileErrors(errors.Select(error =>
        {
            var span = error.Location.GetLineSpan();
            var where = error.Location.IsInSource && span.Path is { Length: > 0 } path ? $"{Path.GetFileName(path)}:" : "";
            return new CompileError(where, span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1, error.Id,
                error.GetMessage(), error.Location.IsInSource && string.IsNullOrEmpty(span.Path));
        }).ToList(), code);

    /// <summary>Compile errors of any of the kernel's languages, each with the cell's line and a caret under the column.</summary>
    public static ExecuteFailed FromCompileErrors(IReadOnlyList<CompileError> errors, string code)
    {
        var lines = code.Split('\n');
        var traceback = new List<string>();
        foreach (var error in errors)
        {
            traceback.Add($"{Red}{error.Where}({error.Line},{error.Column}): error {error.Id}: {error.Message}{Reset}");
            if (error.InCell && error.Line >= 1 && error.Line <= lines.Length)
            {
                var source = lines[error.Line - 1].TrimEnd('\r');
                traceback.Add($"   {source}");
                traceback.Add($"   {new string(' ', Math.Clamp(error.Column - 1, 0, source.Length))}{Green}^{Reset}");
            }
        }
        var first = errors[0];
        return new ExecuteFailed("CompilationError", $"({first.Line},{first.Column}): error {first.Id}: {first.Message}", traceback);
    }

    /// <summary>An error of the kernel's own (a refused magic, a failed restore, ...): its name and one line saying why.</summary>
    public static ExecuteFailed Named(string name, string message) => new(name, message, [$"{Red}{name}{Reset}: {message}"]);

    public static ExecuteFailed FromException(Exception exception, Func<string, int?> cellOfAssembly, bool interrupted)
    {
        exception = Unwrap(exception);
        var traceback = new List<string>();
        if (interrupted)
        {
            traceback.Add($"{Red}OperationCanceledException{Reset}: the cell was interrupted; the kernel's state is kept.");
        }
        else
        {
            traceback.Add($"{Red}{exception.GetType().FullName}{Reset}: {exception.Message}");
            for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
                traceback.Add($" ---> {Red}{inner.GetType().FullName}{Reset}: {inner.Message}");
        }
        traceback.AddRange(Frames(exception, cellOfAssembly));
        return interrupted
            ? new ExecuteFailed("OperationCanceledException", "The cell was interrupted.", traceback)
            : new ExecuteFailed(exception.GetType().Name, exception.Message, traceback);
    }

    private static Exception Unwrap(Exception exception)
    {
        while (true)
        {
            switch (exception)
            {
                case TargetInvocationException { InnerException: { } inner }:
                    exception = inner;
                    continue;
                case AggregateException { InnerExceptions.Count: 1 } aggregate:
                    exception = aggregate.InnerExceptions[0];
                    continue;
                default:
                    return exception;
            }
        }
    }

    /// <summary>Frames from where it was thrown up to the outermost frame of a cell; nothing below.</summary>
    private static IEnumerable<string> Frames(Exception exception, Func<string, int?> cellOfAssembly)
    {
        var frames = new StackTrace(exception, fNeedFileInfo: true).GetFrames();
        var last = Array.FindLastIndex(frames, f => IsSubmission(f.GetMethod()));
        if (last < 0) return frames.Where(f => f.GetMethod() is not null).Take(20).Select(f => "   at " + Describe(f, cellOfAssembly));
        return frames.Take(last + 1)
            .Where(f => f.GetMethod() is { } m && !IsPlumbing(m))
            .Select(f => "   at " + Describe(f, cellOfAssembly));
    }

    private static bool IsSubmission(MethodBase? method) =>
        method?.DeclaringType?.Assembly is { } assembly && IsSubmissionAssembly(assembly);

    /// <summary>Roslyn names each submission's assembly with a leading ℛ.</summary>
    private static bool IsSubmissionAssembly(Assembly assembly) => assembly.GetName().Name?.StartsWith('ℛ') == true;

    private static bool IsPlumbing(MethodBase method) =>
        method.DeclaringType?.Namespace?.StartsWith("System.Runtime.CompilerServices", StringComparison.Ordinal) == true
        || method.DeclaringType == typeof(CellCancellation);

    private static string Describe(StackFrame frame, Func<string, int?> cellOfAssembly)
    {
        var method = frame.GetMethod()!;
        var type = method.DeclaringType;
        if (type is null || !IsSubmissionAssembly(type.Assembly)) return $"{Name(type)}.{method.Name}({Parameters(method)})";
        var cell = cellOfAssembly(type.Assembly.GetName().Name ?? "");
        var line = frame.GetFileLineNumber();
        var where = $"{Cyan}cell {(cell is { } n ? $"[{n}]" : "")}{(line > 0 ? $", line {line}" : "")}{Reset}";
        var name = UserName(type, method);
        return name is null ? where : $"{name} in {where}";
    }

    /// <summary>
    /// The name the user wrote for a method compiled into a submission; null for the cell's top-level code.
    /// Compiler-generated names are undone: <c>&lt;F&gt;d__1.MoveNext</c> is the async method <c>F</c>,
    /// <c>&lt;&lt;Initialize&gt;&gt;g__Local|0_0</c> the local function <c>Local</c>.
    /// </summary>
    private static string? UserName(Type type, MethodBase method)
    {
        var methodName = method.Name;
        var declaring = type;
        if (methodName == "MoveNext" && GeneratedName().Match(type.Name) is { Success: true } stateMachine)
        {
            methodName = stateMachine.Groups[1].Value;
            declaring = type.DeclaringType ?? type;
        }
        if (methodName is "<Initialize>" or "<Factory>") return null;
        if (LocalFunction().Match(methodName) is { Success: true } local) return local.Groups[1].Value;
        if (methodName.StartsWith('<') && methodName.Contains(">b__", StringComparison.Ordinal)) return "lambda";
        var owner = UserTypeName(declaring);
        var parameters = Parameters(method);
        return owner is null ? $"{methodName}({parameters})" : $"{owner}.{methodName}({parameters})";
    }

    private static string? UserTypeName(Type type)
    {
        var names = new List<string>();
        for (var t = type; t is not null && !t.Name.StartsWith("Submission#", StringComparison.Ordinal); t = t.DeclaringType)
        {
            if (!t.Name.StartsWith('<')) names.Insert(0, t.Name);
        }
        return names.Count == 0 ? null : string.Join('.', names);
    }

    private static string Name(Type? type) => type is null ? "" : type.FullName?.Replace('+', '.') ?? type.Name;

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p => $"{p.ParameterType.Name} {p.Name}"));

    [GeneratedRegex(@"^<(.+?)>d__\d+$")]
    private static partial Regex GeneratedName();

    [GeneratedRegex(@"g__(.+?)\|")]
    private static partial Regex LocalFunction();
}
