using Research.Kernel.Display;

namespace Research.Kernel.Execution;

/// <summary>
/// F# cells in a kernel built without the F# compiler (<c>-p:ResearchFSharpCells=false</c>, as the GPU bundle is: its
/// 21 MB would take the bundle over its size limit, and the kit's notebooks are C#): every F# cell and every share
/// with F# is one clear error, and the kernel goes on.
/// </summary>
internal sealed class FSharpLanguage(ScriptEnvironment environment, KernelGlobals globals) : IDisposable
{
    private const string Absent = "this build of the kernel has no F# (it was built with -p:ResearchFSharpCells=false, as the GPU " +
        "bundle is); C# cells run";

    public void Interrupt() { }

    public ExecuteOutcome Run(string code, ExecuteRequest request, Func<object?, MimeBundle> format, CancellationToken token)
    {
        _ = (environment, globals);
        return ErrorReport.Named("UnsupportedMagic", Absent);
    }

    public (IReadOnlyList<string> Matches, int Start) Complete(string code, int position) => ([], position);

    public string? Inspect(string code, int position) => Absent;

    public IReadOnlyList<(string Name, Type Type, object? Value)> Variables() => [];

    public bool TryGet(string name, out object? value, out Type? type)
    {
        (value, type) = (null, null);
        return false;
    }

    public void Bind(string name, object? value, Type type) => throw new ArgumentException(Absent);

    public void Dispose() { }
}
