using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;

namespace Research.Kernel.Display;

/// <summary>
/// What a package brings for .NET Interactive (Polyglot Notebooks): its kernel extensions
/// (<c>interactive-extensions/dotnet/*.dll</c>, classes implementing <c>Microsoft.DotNet.Interactive.IKernelExtension</c>),
/// loaded when the package is restored, and the formatters they (or cells) register with
/// <c>Microsoft.DotNet.Interactive.Formatting.Formatter</c>, used for a value no formatter of the kit's claims. All by
/// reflection: the kernel takes no .NET Interactive of its own. The kit's formatters come first, so a Plotly.NET chart
/// still draws with the offline plotly.js rather than Plotly.NET.Interactive's HTML, which loads it from a CDN.
/// Extensions get no .NET Interactive kernel (this kernel is not one); those that only register formatters, as
/// Plotly.NET.Interactive's does, load, and one that needs the kernel fails with its reason shown.
/// </summary>
internal static class InteractiveExtensions
{
    private const string ExtensionInterface = "Microsoft.DotNet.Interactive.IKernelExtension";
    private const string FormattingAssembly = "Microsoft.DotNet.Interactive.Formatting";
    private const string FormatterType = "Microsoft.DotNet.Interactive.Formatting.Formatter";

    private static readonly ConcurrentDictionary<string, bool> Loaded = new(StringComparer.Ordinal);

    /// <summary>Loads the extensions in <paramref name="assemblies"/> not loaded before; returns one line per extension
    /// saying it loaded or why not.</summary>
    public static IReadOnlyList<string> Load(IEnumerable<string> assemblies)
    {
        var report = new List<string>();
        foreach (var path in assemblies)
        {
            if (!Loaded.TryAdd(path, true)) continue;
            try
            {
                var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(path);
                foreach (var type in assembly.GetTypes().Where(t => t is { IsAbstract: false, IsClass: true }))
                {
                    var extension = type.GetInterfaces().FirstOrDefault(i => i.FullName == ExtensionInterface);
                    if (extension is null || type.GetConstructor(Type.EmptyTypes) is null) continue;
                    report.Add(Start(type, extension));
                }
            }
            catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException)
            {
                report.Add($"kernel extension {Path.GetFileName(path)} did not load: {e.Message}");
            }
        }
        return report;
    }

    private static string Start(Type type, Type extension)
    {
        try
        {
            var instance = Activator.CreateInstance(type);
            var task = (Task?)extension.GetMethod("OnLoadAsync")!.Invoke(instance, [null]);
            if (task is not null && !task.Wait(TimeSpan.FromSeconds(30)))
                return $"kernel extension {type.FullName} did not finish loading within 30 s";
            return $"kernel extension {type.FullName} loaded";
        }
        catch (Exception e)
        {
            var reason = e is TargetInvocationException { InnerException: { } inner } ? inner : e.InnerException ?? e;
            return $"kernel extension {type.FullName} did not load: {reason.GetType().Name}: {reason.Message} " +
                   "(this kernel runs extensions without a .NET Interactive kernel)";
        }
    }

    // .NET Interactive's Formatter, once its assembly loads: looked up then, not on every value shown
    private sealed record FormatterMethods(MethodInfo Preferred, MethodInfo ToDisplayString);

    private static volatile FormatterMethods? _formatter;

    /// <summary>Watches for .NET Interactive's formatting assembly, as <see cref="PlotlyNetFormatter"/> watches for
    /// Plotly.NET, so that <see cref="TryFormat"/> costs one check until a package brings it.</summary>
    public static void Watch()
    {
        AppDomain.CurrentDomain.AssemblyLoad += (_, e) => TryFind(e.LoadedAssembly);
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies()) TryFind(assembly);
    }

    private static void TryFind(Assembly assembly)
    {
        if (assembly.GetName().Name != FormattingAssembly || assembly.GetType(FormatterType) is not { } formatter) return;
        var preferred = formatter.GetMethod("GetPreferredFormatterFor", BindingFlags.Public | BindingFlags.Static, [typeof(Type), typeof(string)]);
        var toDisplayString = formatter.GetMethod("ToDisplayString", BindingFlags.Public | BindingFlags.Static, [typeof(object), typeof(string)]);
        if (preferred is not null && toDisplayString is not null) _formatter = new FormatterMethods(preferred, toDisplayString);
    }

    /// <summary>The value as .NET Interactive's formatter shows it, when a formatter was registered for its type (or a base
    /// type or interface of it) there; null otherwise, or when .NET Interactive's formatting is not loaded.</summary>
    public static MimeBundle? TryFormat(object value)
    {
        if (_formatter is not { Preferred: var preferred, ToDisplayString: var toDisplayString }) return null;
        try
        {
            // its defaults are registered for object and the framework's collections: only a formatter for this value's own
            // kind of type says something the kit's built-in formats do not
            var chosen = preferred.Invoke(null, [value.GetType(), MimeBundle.HtmlType]);
            var forType = chosen?.GetType().GetProperty("Type")?.GetValue(chosen) as Type;
            if (forType is null || forType == typeof(object) || forType.Assembly == typeof(object).Assembly || forType.Namespace?.StartsWith("System", StringComparison.Ordinal) == true)
                return null;
            var html = (string?)toDisplayString.Invoke(null, [value, MimeBundle.HtmlType]);
            return html is null ? null : new MimeBundle().Add(MimeBundle.HtmlType, html);
        }
        catch (TargetInvocationException)
        {
            return null;
        }
    }
}
