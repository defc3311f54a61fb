using System.Text.RegularExpressions;

namespace Research.Plots;

/// <summary>
/// The offline copy of plotly.js that figures embed: the minified build pinned in <c>scripts/plotly/package-lock.json</c>,
/// which <c>./research setup</c> installs under <c>build/plotly</c>, else a system package's. Nothing is fetched from a
/// CDN: figures embed this file (once per page or notebook output stream) and draw with no network.
/// </summary>
public static partial class PlotlyJs
{
    /// <summary>Environment variable naming a plotly.js file to use before the known paths.</summary>
    public const string EnvironmentVariable = "RESEARCH_PLOTLY_JS";

    /// <summary>Where <c>./research setup</c> installs the pinned plotly.js, relative to the checkout's root.</summary>
    public const string BuildCopy = "build/plotly/node_modules/plotly.js-dist-min/plotly.min.js";

    private static readonly Lazy<(string Path, string Source, string Version)> Loaded =
        new(Load, LazyThreadSafetyMode.PublicationOnly); // PublicationOnly: a failure is retried after the package is installed.

    /// <summary>Where plotly.js is looked for, in order.</summary>
    /// <remarks>
    /// <see cref="EnvironmentVariable"/> when set; then the checkout's <see cref="BuildCopy"/>; then the system's copies,
    /// kept as fallbacks: Debian's <c>python3-plotly</c> ships the full (not minified) 2.6.3 bundle at
    /// /usr/share/python3-plotly/plotly.js, pip's plotly and a global npm install ship plotly.min.js.
    /// scripts/plotly/locate.sh walks the same list for the shell scripts.
    /// </remarks>
    public static IReadOnlyList<string> SearchPaths =>
        Candidates(Environment.GetEnvironmentVariable(EnvironmentVariable), RepositoryRoot.Path);

    internal static IReadOnlyList<string> Candidates(string? custom, string? root)
    {
        var paths = new List<string>();
        if (custom is { Length: > 0 }) paths.Add(custom);
        if (root is not null) paths.Add(System.IO.Path.Combine(root, BuildCopy));
        paths.Add("/usr/share/python3-plotly/plotly.js");
        paths.Add("/usr/share/javascript/plotly/plotly.min.js");
        paths.Add("/usr/lib/python3/dist-packages/plotly/package_data/plotly.min.js");
        paths.Add("/usr/local/lib/node_modules/plotly.js-dist-min/plotly.min.js");
        return paths;
    }

    /// <summary>The first of the candidates that exists.</summary>
    /// <exception cref="FileNotFoundException">
    /// <paramref name="custom"/> (the value of <see cref="EnvironmentVariable"/>) names a missing file: a setting that
    /// points nowhere is a mistake to report, not a reason to draw with another version. Or no candidate exists.
    /// </exception>
    internal static string Locate(string? custom, string? root)
    {
        if (custom is { Length: > 0 } && !File.Exists(custom))
            throw new FileNotFoundException($"{EnvironmentVariable} names {custom}, which does not exist.", custom);
        var tried = Candidates(custom, root);
        return tried.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                "plotly.js was not found. Tried: " + string.Join(", ", tried) + ". " +
                "Run ./research setup, which installs the version pinned in scripts/plotly/package-lock.json into build/plotly " +
                $"(it needs npm), or install Debian's python3-plotly, or point {EnvironmentVariable} at a plotly.min.js.");
    }

    /// <summary>The file in use, the first of <see cref="SearchPaths"/> that exists.</summary>
    /// <exception cref="FileNotFoundException">
    /// None exists (the message names the paths tried and how to install one), or <see cref="EnvironmentVariable"/> names a missing file.
    /// </exception>
    public static string Path => Loaded.Value.Path;

    /// <summary>The library's JavaScript source.</summary>
    /// <exception cref="FileNotFoundException">plotly.js is not installed.</exception>
    public static string Source => Loaded.Value.Source;

    /// <summary>The library's version, read from its banner (e.g. "2.6.3"); "unknown" if it has none.</summary>
    /// <exception cref="FileNotFoundException">plotly.js is not installed.</exception>
    public static string Version => Loaded.Value.Version;

    /// <summary>
    /// A <c>&lt;script&gt;</c> element that defines <c>window.Plotly</c> unless a page already has it.
    /// </summary>
    /// <remarks>
    /// The source runs with <c>define</c>, <c>module</c> and <c>exports</c> shadowed, so the bundle
    /// always sets <c>window.Plotly</c>, also in the classic notebook where require.js would
    /// otherwise capture it as an anonymous AMD module. The element carries
    /// <c>data-plotlyjs</c>, which lets the report step keep a single copy per page.
    /// </remarks>
    public static string ScriptTag() => Tag.Value;

    // Built once: escaping and wrapping megabytes of source is worth doing a single time per process.
    private static readonly Lazy<string> Tag = new(() =>
        $"<script type=\"text/javascript\" data-plotlyjs=\"{Version}\">\n" +
        "if (!window.Plotly) {\n" +
        "window.PlotlyConfig = window.PlotlyConfig || {MathJaxConfig: 'local'};\n" +
        "(function (define, module, exports) {\n" +
        EscapeForScript(Source) +
        "\n}).call(window);\n" +
        "}\n" +
        "</script>", LazyThreadSafetyMode.PublicationOnly);

    /// <summary>Keeps text inside a script element from closing it early.</summary>
    internal static string EscapeForScript(string js) =>
        // "<\/" means "</" in every JavaScript string, template and regex literal, and cannot occur elsewhere.
        ScriptEnd().Replace(js, m => "<\\/" + m.Value[2..]).Replace("<!--", "<\\!--");

    [GeneratedRegex("</script", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptEnd();

    private static (string, string, string) Load()
    {
        string path = Locate(Environment.GetEnvironmentVariable(EnvironmentVariable), RepositoryRoot.Path);
        string source = File.ReadAllText(path);
        var banner = BannerVersion().Match(source.Length > 2000 ? source[..2000] : source);
        return (path, source, banner.Success ? banner.Groups[1].Value : "unknown");
    }

    [GeneratedRegex(@"plotly\.js v(\d+\.\d+\.\d+[\w.-]*)")]
    private static partial Regex BannerVersion();
}
