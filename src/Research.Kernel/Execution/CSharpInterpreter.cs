using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Research.Kernel.Completion;
using Research.Kernel.Display;

namespace Research.Kernel.Execution;

/// <summary>
/// C# cells with Roslyn scripting: the interpreter half of the kernel. It owns the cell runner
/// (state from cell to cell), the cell's Console, and completion, inspection and is_complete.
/// Roslyn is loaded and compiled on a background thread as soon as the kernel has answered its
/// first <c>kernel_info</c> (see <see cref="Start"/>), so the kernel shows as ready at once and the
/// first cell does not pay for Roslyn in full.
/// </summary>
public sealed class CSharpInterpreter : IInterpreter, IDisposable
{
    private readonly CellOutput output;
    private readonly CellThread cells = new();
    private readonly CodeCompleter completer;
    private readonly Inspector inspector;
    private readonly CompletenessChecker completeness;
    private readonly Lazy<Task<CellRunner>> engine;
    private readonly Lazy<FSharpLanguage> fsharp;
    private bool allowStdin;

    /// <param name="sink">Where cells' output goes.</param>
    /// <param name="baseDirectory">Where relative <c>#r</c> and <c>#load</c> paths start; the working directory by default.</param>
    /// <param name="redirectConsole">Whether <see cref="Console"/> writes and reads go to the notebook (false in tests that run side by side).</param>
    public CSharpInterpreter(IKernelOutput sink, string? baseDirectory = null, bool redirectConsole = true)
    {
        output = new CellOutput(new StdinGate(sink, () => allowStdin));
        var globals = new KernelGlobals(output);
        var directory = baseDirectory ?? Directory.GetCurrentDirectory();
        // Nothing of Roslyn is touched before Start: the kernel answers kernel_info first.
        engine = new Lazy<Task<CellRunner>>(() => Task.Factory.StartNew(() =>
        {
            var runner = new CellRunner(new ScriptEnvironment(directory), globals);
            runner.WarmUp();
            return runner;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        fsharp = new Lazy<FSharpLanguage>(() => new FSharpLanguage(Runner.Environment, globals));
        completer = new CodeCompleter(Analyze);
        inspector = new Inspector(Analyze);
        completeness = new CompletenessChecker(code => CSharpSyntaxTree.ParseText(code, ScriptEnvironment.ParseOptions));
        if (redirectConsole)
        {
            Console.SetOut(output.Stdout);
            Console.SetError(output.Stderr);
            Console.SetIn(new StdinReader((prompt, password) => output.Input(prompt, password), output.FlushStreams));
        }
    }

    private CellRunner Runner => engine.Value.GetAwaiter().GetResult();

    /// <summary>Loads and compiles Roslyn on a background thread (about 1 to 2 s of one core).</summary>
    public void Start() => _ = engine.Value;

    public LanguageInfo Language { get; } = new(
        new JsonObject
        {
            ["name"] = "C#",
            ["version"] = LanguageVersion.Latest.MapSpecifiedToEffectiveVersion().ToDisplayString(),
            ["mimetype"] = "text/x-csharp",
            ["file_extension"] = ".cs",
            ["pygments_lexer"] = "csharp",
            ["codemirror_mode"] = "text/x-csharp",
        },
        $"C# {LanguageVersion.Latest.MapSpecifiedToEffectiveVersion().ToDisplayString()} (Roslyn scripting) on .NET {Environment.Version}\n"
            + "display(x), clear_output(), page(x), input(), CellCancellation; Tab completes, Shift+Tab inspects; #!lsmagic lists the cell magics.",
        [
            new JsonObject { ["text"] = "C# documentation", ["url"] = "https://learn.microsoft.com/dotnet/csharp/" },
            new JsonObject { ["text"] = ".NET API browser", ["url"] = "https://learn.microsoft.com/dotnet/api/" },
        ],
        typeof(CSharpInterpreter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    /// <summary>Starts Roslyn if it is not started and waits until it is ready.</summary>
    public void WaitUntilReady() => _ = Runner;

    public ExecuteOutcome Execute(ExecuteRequest request)
    {
        var token = CellCancellation.Begin();
        try
        {
            // Only the first cell can wait here; an interrupt ends the wait, not the start-up.
            if (!engine.Value.IsCompleted) Task.WaitAny([engine.Value], token);
            WaitUntilReady();
        }
        catch (OperationCanceledException)
        {
            return new ExecuteFailed("OperationCanceledException", "The cell was interrupted.",
                ["\u001b[0;31mOperationCanceledException\u001b[0m: the cell was interrupted before it started."]);
        }
        catch (Exception e)
        {
            return new ExecuteFailed(e.GetType().Name, $"The C# engine did not start: {e.Message}", [e.ToString()]);
        }
        allowStdin = request.AllowStdin;
        ExecuteOutcome? outcome;
        try
        {
            outcome = cells.Run(() => RunCell(request, token));
        }
        catch (Exception e)
        {
            // The runner itself failed (not the cell's code, whose exceptions come back in CellRun).
            outcome = ErrorReport.FromException(e, engine.Value.Result.CellOf, interrupted: CellCancellation.IsCancellationRequested);
        }
        output.FlushStreams();
        if (cells.Abandoned)
        {
            Runner.Abandon();
            outcome = new ExecuteFailed("OperationCanceledException", "The cell was interrupted but did not stop.",
            [
                "\u001b[0;31mOperationCanceledException\u001b[0m: the cell did not stop within 2 s of the interrupt "
                + "(it is blocked outside its own code, in a native or library call). It was left running in the background; "
                + "the kernel's state is as the previous cell left it.",
            ]);
        }
        return outcome ?? new ExecuteFailed("InvalidOperationException", "The cell gave no result.", []);
    }

    private ExecuteOutcome RunCell(ExecuteRequest request, CancellationToken token)
    {
        if (CellMagics.Parse(request.Code) is not { } magic) return RunCSharp(request.Code, request, token);
        switch (magic.Name)
        {
            case "csharp":
                return RunCSharp(magic.Code, request, token);
            case "share":
            case "set":
                return RunCSharp(request.Code, request, token);
            case "fsharp":
                return RunFSharp(magic.Code, request, token);
            case "time":
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var outcome = RunCSharp(magic.Code, request, token);
                output.Stdout.Write($"Wall time: {clock.Elapsed.TotalMilliseconds:0.###} ms\n");
                output.FlushStreams();
                return outcome;
            case "html":
                return Show(MimeBundle.HtmlType, magic.Code);
            case "markdown":
                return Show(MimeBundle.MarkdownType, magic.Code);
            case "javascript":
                return Show("application/javascript", magic.Code);
            case "lsmagic":
                return new ExecuteSucceeded(MimeBundle.PlainText(CellMagics.List()), output.TakePayload(), new JsonObject());
            case "who":
            case "whos":
                return new ExecuteSucceeded(Variables(magic.Name == "whos"), output.TakePayload(), new JsonObject());
            default:
                return ErrorReport.Named("UnsupportedMagic", CellMagics.Refusal(magic));
        }
    }

    private ExecuteSucceeded Show(string mimeType, string content)
    {
        var text = content.Trim('\n', '\r');
        output.Display(new MimeBundle().Add(mimeType, text).Add(MimeBundle.PlainTextType, text));
        return new ExecuteSucceeded(null, output.TakePayload(), new JsonObject());
    }

    private MimeBundle Variables(bool withTypesAndValues)
    {
        // F# cells' values after C#'s, marked: one kernel, two languages' variables, as Polyglot's kernels each listed theirs
        var variables = Runner.Variables()
            .Concat((fsharp.IsValueCreated ? fsharp.Value.Variables() : []).Select(v => (Name: v.Name + " (F#)", v.Type, v.Value)))
            .ToList();
        if (variables.Count == 0) return MimeBundle.PlainText("No variables are defined.");
        if (!withTypesAndValues) return MimeBundle.PlainText(string.Join("  ", variables.Select(v => v.Name)));
        static string Shown(object? value)
        {
            var text = value?.ToString() ?? "null";
            return text.Length > 80 ? text[..77] + "..." : text;
        }
        var rows = variables.Select(v => (v.Name, Type: TypeName(v.Type), Value: Shown(v.Value))).ToList();
        int nameWidth = Math.Max(8, rows.Max(r => r.Name.Length)), typeWidth = Math.Max(4, rows.Max(r => r.Type.Length));
        var plain = new System.Text.StringBuilder($"{"Variable".PadRight(nameWidth)}  {"Type".PadRight(typeWidth)}  Value\n");
        foreach (var (name, type, value) in rows) plain.Append($"{name.PadRight(nameWidth)}  {type.PadRight(typeWidth)}  {value}\n");
        var html = new System.Text.StringBuilder("<table><thead><tr><th>Variable</th><th>Type</th><th>Value</th></tr></thead><tbody>");
        foreach (var (name, type, value) in rows)
            html.Append($"<tr><td>{System.Net.WebUtility.HtmlEncode(name)}</td><td>{System.Net.WebUtility.HtmlEncode(type)}</td>" +
                        $"<td>{System.Net.WebUtility.HtmlEncode(value)}</td></tr>");
        html.Append("</tbody></table>");
        return new MimeBundle().Add(MimeBundle.PlainTextType, plain.ToString()).Add(MimeBundle.HtmlType, html.ToString());
    }

    // List<int> rather than System.Collections.Generic.List`1
    private static string TypeName(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>"
        : type.Name;

    private ExecuteOutcome RunFSharp(string code, ExecuteRequest request, CancellationToken token)
    {
        if ((Share(ref code, "fsharp", request, token) ?? Restore(ref code)) is { } failed) return failed;
        var outcome = fsharp.Value.Run(code, request, Formatters.Format, token);
        return outcome is ExecuteSucceeded done ? done with { Payload = output.TakePayload() } : outcome;
    }

    /// <summary>Carries out the <c>#!share</c> and <c>#!set</c> lines that open <paramref name="code"/> for a cell of
    /// <paramref name="language"/>, and blanks them; the error of the first that cannot be done, else null.</summary>
    private ExecuteFailed? Share(ref string code, string language, ExecuteRequest request, CancellationToken token)
    {
        (var directives, code) = CellMagics.TakeDirectives(code);
        foreach (var directive in directives)
        {
            try
            {
                var wanted = Sharing.Parse(directive);
                object? value = wanted.Text;
                Type type = typeof(string);
                if (wanted.Source is { } source)
                {
                    if (!TryGetVariable(source, wanted.From!, out value, out var found))
                        throw new ArgumentException($"#!{directive.Name}: {source} has no variable '{wanted.From}'" +
                            (source == "fsharp" && !fsharp.IsValueCreated ? " (no F# cell has run)" : ""));
                    type = found!;
                }
                if (language == "fsharp")
                {
                    fsharp.Value.Bind(wanted.Name, value, type);
                    continue;
                }
                var runner = Runner;
                runner.Environment.Reference(Sharing.AssemblyFilesOf(Sharing.NameableType(type)));
                var declared = runner.Run(Sharing.CSharpDeclaration(wanted.Name, value, type), request.ExecutionCount, token);
                if (!declared.Errors.IsEmpty) return ErrorReport.FromDiagnostics(declared.Errors, "");
                if (declared.Exception is not null) return ErrorReport.FromException(declared.Exception, runner.CellOf, interrupted: false);
            }
            catch (ArgumentException e)
            {
                return ErrorReport.Named("ShareError", e.Message);
            }
        }
        return null;
    }

    /// <summary>Restores what the <c>#r "nuget: ..."</c> lines of <paramref name="code"/> ask for, for C# and F# cells alike
    /// (one package set), loads the packages' kernel extensions, and blanks those lines; the error when a package cannot
    /// be had, else null.</summary>
    private ExecuteFailed? Restore(ref string code)
    {
        if (!NuGetReferences.Mentions(code)) return null;
        var nuget = Runner.Environment.NuGet;
        try
        {
            code = nuget.Prepare(code);
        }
        catch (NuGetException e)
        {
            return ErrorReport.Named("NuGetError", e.Message);
        }
        foreach (var line in InteractiveExtensions.Load(nuget.Extensions)) output.Stdout.Write(line + "\n");
        return null;
    }

    private bool TryGetVariable(string language, string name, out object? value, out Type? type)
    {
        if (language == "fsharp") return fsharp.Value.TryGet(name, out value, out type);
        foreach (var variable in Runner.Variables())
            if (variable.Name == name)
            {
                (value, type) = (variable.Value, variable.Type);
                return true;
            }
        (value, type) = (null, null);
        return false;
    }

    private ExecuteOutcome RunCSharp(string code, ExecuteRequest request, CancellationToken token)
    {
        if ((Share(ref code, "csharp", request, token) ?? Restore(ref code)) is { } failed) return failed;
        var runner = Runner;
        var run = runner.Run(code, request.ExecutionCount, token);
        if (!run.Errors.IsEmpty) return ErrorReport.FromDiagnostics(run.Errors, code);
        if (run.Exception is not null)
            return ErrorReport.FromException(run.Exception, runner.CellOf, interrupted: CellCancellation.IsCancellationRequested);
        MimeBundle? result = null;
        if (run.HasValue && !request.Silent && run.Value is not DisplayHandle)
        {
            result = Formatters.Format(run.Value);
        }
        var expressions = new JsonObject();
        foreach (var (name, expression) in request.UserExpressions) expressions[name] = UserExpression(expression, token);
        return new ExecuteSucceeded(result, output.TakePayload(), expressions);
    }

    private JsonObject UserExpression(string expression, CancellationToken token)
    {
        try
        {
            var bundle = Formatters.Format(Runner.Evaluate(expression, token));
            return new JsonObject { ["status"] = "ok", ["data"] = bundle.DataJson(), ["metadata"] = bundle.MetadataJson() };
        }
        catch (Exception e)
        {
            return new JsonObject
            {
                ["status"] = "error", ["ename"] = e.GetType().Name, ["evalue"] = e.Message, ["traceback"] = new JsonArray(),
            };
        }
    }

    public CompletionResult Complete(string code, int cursorPos)
    {
        WaitUntilReady();
        if (CellMagics.Parse(code) is not { Name: "fsharp" }) return completer.Complete(code, cursorPos);
        var (matches, start) = fsharp.Value.Complete(code, TextPositions.ToUtf16(code, cursorPos));
        return new CompletionResult(matches, TextPositions.ToCodePoints(code, start), cursorPos, new JsonObject());
    }

    public InspectionResult Inspect(string code, int cursorPos, int detailLevel)
    {
        WaitUntilReady();
        if (CellMagics.Parse(code) is { Name: "fsharp" } fsharpCell)
        {
            // the magic line blanked, so lines and columns are the cell's own
            var body = new string(' ', code.Length - fsharpCell.Code.Length) + fsharpCell.Code;
            var tip = fsharp.Value.Inspect(body, TextPositions.ToUtf16(code, cursorPos));
            return tip is null ? new InspectionResult(false, null) : new InspectionResult(true, MimeBundle.PlainText(tip));
        }
        return inspector.Inspect(code, cursorPos, detailLevel);
    }

    public CompletenessResult IsComplete(string code) => completeness.Check(code);

    public void Interrupt()
    {
        cells.Interrupt();
        if (fsharp.IsValueCreated) fsharp.Value.Interrupt();
    }

    private Compilation Analyze(string code) => Runner.Analyze(code);

    public void Dispose()
    {
        if (fsharp.IsValueCreated) fsharp.Value.Dispose();
        output.Dispose();
    }

    /// <summary>Refuses input requests when the running request did not allow stdin.</summary>
    private sealed class StdinGate(IKernelOutput inner, Func<bool> allowed) : IKernelOutput
    {
        public void Stream(string name, string text) => inner.Stream(name, text);

        public void Display(MimeBundle bundle, string displayId, bool update) => inner.Display(bundle, displayId, update);

        public void ClearOutput(bool wait) => inner.ClearOutput(wait);

        public string RequestInput(string prompt, bool password, CancellationToken cancellation) => allowed()
            ? inner.RequestInput(prompt, password, cancellation)
            : throw new InvalidOperationException("This frontend does not accept input (the request did not allow stdin).");
    }
}
