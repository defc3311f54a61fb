using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Research.Kernel.Completion;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace Research.Kernel.Execution;

/// <summary>
/// The compilation setting every cell shares: references, imports, where <c>#r</c> and
/// <c>#load</c> look, and the parse options.
/// </summary>
/// <remarks>
/// Roslyn's script compile time grows with the number of references times the number of
/// submissions, so cells reference a chosen set of framework assemblies rather than all ~160
/// (<c>#r "System.Xml.Linq"</c> adds any other). The kit's assemblies (<c>Research*.dll</c> beside
/// the kernel) are referenced from the first cell, and their namespaces are imported (<see cref="KitImports"/>), as
/// d2l's one import gives a notebook the whole book: an experiment's first cell holds the experiment, not ten usings.
/// </remarks>
internal sealed class ScriptEnvironment
{
    /// <summary>Framework assemblies every cell references.</summary>
    public static readonly string[] FrameworkAssemblies =
    [
        "System.Private.CoreLib", "System.Runtime", "netstandard", "System.Console", "System.Collections",
        "System.Collections.Concurrent", "System.Linq", "System.Linq.Expressions", "System.Memory",
        "System.Runtime.Numerics", "System.Numerics.Vectors", "System.Text.RegularExpressions", "System.Text.Json",
        "System.Threading", "System.Threading.Tasks.Parallel", "System.ObjectModel", "System.ComponentModel.Primitives",
        "System.Diagnostics.Process", "System.Runtime.InteropServices", "System.Net.Http", "System.IO.Compression",
    ];

    // Declared before Imports, which spreads it: static fields initialise in text order.
    /// <summary>The kit's namespaces every cell sees, and <c>torch</c>'s members unqualified (<c>using static
    /// Research.Torch.torch</c>), as PyTorch code writes <c>torch.</c>-free after <c>from torch import *</c>.</summary>
    public static readonly string[] KitImports =
    [
        "Research.Torch", "Research.Torch.torch", "Research.Models", "Research.Models.Counting", "Research.Models.Layers",
        "Research.Shift", "Research.Data", "Research.Training", "Research.Experiments", "Research.Plots", "Research.Graphs", "Research.Papers",
    ];

    public static readonly string[] Imports =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Text",
        "System.Threading", "System.Threading.Tasks", "Research.Kernel.Display",
        .. KitImports,
    ];


    public ScriptEnvironment(string baseDirectory)
    {
        BaseDirectory = baseDirectory;
        NuGet = new NuGetReferences();
        var kernelDirectory = AppContext.BaseDirectory;
        _kit = KitAssemblies(kernelDirectory).ToHashSet(StringComparer.Ordinal);
        var runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        _options = ScriptOptions.Default
            .WithReferences(References(kernelDirectory))
            .WithImports(Imports)
            .WithMetadataResolver(ScriptMetadataResolver.Default
                .WithBaseDirectory(baseDirectory)
                .WithSearchPaths(kernelDirectory, runtimeDirectory))
            .WithSourceResolver(ScriptSourceResolver.Default.WithBaseDirectory(baseDirectory))
            .WithLanguageVersion(LanguageVersion.Latest)
            .WithEmitDebugInformation(true)
            .WithOptimizationLevel(OptimizationLevel.Release)
            .WithAllowUnsafe(true)
            .WithFileEncoding(Encoding.UTF8);
    }

    /// <summary>Where relative <c>#r</c> and <c>#load</c> paths start: the notebook's folder, the kernel's working directory.</summary>
    public string BaseDirectory { get; }

    private readonly ScriptOptions _options;

    /// <summary>The options of the next cell: the kit's references and imports, and the packages restored so far.</summary>
    public ScriptOptions Options => _shared.IsEmpty && NuGet.References.IsEmpty
        ? _options
        : _options.AddReferences(NuGet.References).AddReferences(_shared.Values);

    private readonly HashSet<string> _kit;

    // Assemblies of the types that #!share and #!set brought into C# (FSharp.Core's, a package's from an F# cell)
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, MetadataReference> _shared = new(StringComparer.Ordinal);

    /// <summary>Makes the assembly files <paramref name="paths"/> (none of the framework's) references of the cells that follow.</summary>
    public void Reference(IEnumerable<string> paths)
    {
        // the kit's and the packages' are referenced already; a second reference to one would be an error
        foreach (var path in paths.Where(p => !_kit.Contains(p) && !NuGet.Assemblies.Contains(p)))
            _shared.GetOrAdd(path, p => MetadataReference.CreateFromFile(p));
    }

    /// <summary>The packages cells asked for with <c>#r "nuget: ..."</c>.</summary>
    internal NuGetReferences NuGet { get; }

    /// <summary>How cells parse: script syntax (top-level statements, a trailing expression, #r and #load), latest C#.</summary>
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest, DocumentationMode.Parse, SourceCodeKind.Script);

    private static IEnumerable<MetadataReference> References(string kernelDirectory)
    {
        var trusted = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .DistinctBy(p => Path.GetFileNameWithoutExtension(p), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(p => Path.GetFileNameWithoutExtension(p), StringComparer.OrdinalIgnoreCase);
        var docs = ReferencePackDirectory();
        foreach (var name in FrameworkAssemblies)
        {
            if (!trusted.TryGetValue(name, out var path)) continue;
            // CoreLib's public surface is documented under System.Runtime in the reference pack.
            var docName = name == "System.Private.CoreLib" ? "System.Runtime" : name;
            yield return Reference(path, docs is null ? null : Path.Combine(docs, docName + ".xml"));
        }
        foreach (var path in KitAssemblies(kernelDirectory)) yield return Reference(path, Path.ChangeExtension(path, ".xml"));
    }

    /// <summary>The kernel and the kit's assemblies beside it, which every cell sees; not the F# cells' host, whose
    /// types are the kernel's business.</summary>
    public static IEnumerable<string> KitAssemblies(string kernelDirectory)
    {
        var kernel = typeof(KernelGlobals).Assembly.Location;
        const string fsharpHost = "Research.Kernel.FSharp.dll";
        yield return kernel;
        foreach (var path in Directory.EnumerateFiles(kernelDirectory, "Research*.dll").Order(StringComparer.Ordinal))
        {
            if (string.Equals(path, kernel, StringComparison.Ordinal) || Path.GetFileName(path) == fsharpHost
                || !IsManagedAssembly(path)) continue;
            yield return path;
        }
    }

    private static MetadataReference Reference(string path, string? documentationPath) =>
        MetadataReference.CreateFromFile(path,
            documentation: documentationPath is not null && File.Exists(documentationPath)
                ? new XmlDocumentation(documentationPath)
                : null);

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// The SDK's reference pack for this runtime: the framework's XML documentation, and the reference assemblies F#
    /// cells compile against; null on a machine with only the runtime (inspection then shows signatures without docs).
    /// </summary>
    public static string? ReferencePackDirectory()
    {
        var runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        var dotnetRoot = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtime)));
        var packs = dotnetRoot is null ? null : Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        if (packs is null || !Directory.Exists(packs)) return null;
        var framework = $"net{Environment.Version.Major}.{Environment.Version.Minor}";
        return Directory.EnumerateDirectories(packs)
            .Where(d => Path.GetFileName(d).StartsWith($"{Environment.Version.Major}.", StringComparison.Ordinal))
            .OrderByDescending(d => Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : new Version())
            .Select(d => Path.Combine(d, "ref", framework))
            .FirstOrDefault(Directory.Exists);
    }
}
