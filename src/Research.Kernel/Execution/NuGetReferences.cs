using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace Research.Kernel.Execution;

/// <summary>
/// <c>#r "nuget: Name[, Version]"</c> and <c>#i "nuget: source"</c> in a cell, as Polyglot Notebooks wrote them: a real
/// NuGet restore, by the SDK, of a project generated in a cache folder (so the user's NuGet configuration, sources and
/// credentials apply as to any project), then the package's runtime assemblies and those of its dependencies as the
/// cell's references, and its native libraries for this platform on the load path. A restore is done once per set of
/// packages: a kernel that finds the restored project in the cache reads it again without the network.
/// </summary>
internal sealed partial class NuGetReferences
{
    [GeneratedRegex(@"^[ \t]*#r[ \t]+""nuget:[ \t]*(?<spec>[^""]*)""[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex PackageLine();

    [GeneratedRegex(@"^[ \t]*#i[ \t]+""nuget:[ \t]*(?<source>[^""]*)""[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex SourceLine();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")]
    private static partial Regex PackageId();

    private readonly string _cacheRoot;
    private readonly List<(string Id, string? Version)> _packages = [];
    private readonly List<string> _sources = [];
    private readonly ConcurrentDictionary<string, MetadataReference> _referenceByPath = new(StringComparer.Ordinal);
    // a set (the keys) read by the loader's threads while a cell's restore adds to it
    private readonly ConcurrentDictionary<string, bool> _nativeDirectories = new(StringComparer.Ordinal);
    private readonly HashSet<string> _frameworkAssemblies;

    public NuGetReferences(string? cacheRoot = null)
    {
        _cacheRoot = cacheRoot ?? Environment.GetEnvironmentVariable("RESEARCH_NUGET_CACHE")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "research-kernel", "nuget");
        // the shared framework's assemblies (not the host's own dependencies, which a package may well update)
        _frameworkAssemblies = Directory.EnumerateFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Select(Path.GetFileNameWithoutExtension).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += ResolveNative;
        AssemblyLoadContext.Default.Resolving += ResolveManaged;
    }

    /// <summary>Whether <paramref name="code"/> asks for packages or sources.</summary>
    public static bool Mentions(string code) => code.Contains("nuget:", StringComparison.Ordinal);

    /// <summary>
    /// Restores what <paramref name="code"/>'s <c>#r "nuget: ..."</c> lines ask for (with the packages of earlier cells,
    /// so versions are resolved together) and makes the restored assemblies <see cref="References"/>; blanks those lines
    /// and the <c>#i</c> lines, which C# does not know (Roslyn takes one file per <c>#r</c>, a package brings many),
    /// keeping the line count. Returns the code to compile, or throws <see cref="NuGetException"/> naming the package and
    /// NuGet's words.
    /// </summary>
    public string Prepare(string code)
    {
        foreach (Match match in SourceLine().Matches(code))
        {
            var source = match.Groups["source"].Value.Trim();
            if (source.Length == 0) throw new NuGetException("#i \"nuget: ...\" needs a package source (a URL or a folder)");
            if (!_sources.Contains(source)) _sources.Add(source);
        }
        code = SourceLine().Replace(code, "");
        var requested = PackageLine().Matches(code).Select(m => m.Groups["spec"].Value).ToList();
        if (requested.Count == 0) return code;
        code = PackageLine().Replace(code, "");
        var parsed = requested.Select(ParseSpec).ToList();
        var before = _packages.ToList();
        foreach (var (id, version) in parsed)
        {
            _packages.RemoveAll(p => string.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase));
            _packages.Add((id, version));
        }
        ImmutableArray<string> assemblies;
        try
        {
            assemblies = Restore();
        }
        catch (NuGetException)
        {
            // a package that cannot be had is forgotten, so the next cell restores what worked before
            _packages.Clear();
            _packages.AddRange(before);
            throw;
        }
        Assemblies = assemblies;
        References = [.. assemblies.Select(path => _referenceByPath.GetOrAdd(path, p => MetadataReference.CreateFromFile(p)))];
        return code;
    }

    private readonly List<string> _extensions = [];

    /// <summary>The .NET Interactive kernel extensions (<c>interactive-extensions/dotnet/*.dll</c>) of the packages restored so far.</summary>
    public IReadOnlyList<string> Extensions => _extensions;

    /// <summary>The runtime assemblies of the packages restored so far and of their dependencies.</summary>
    public ImmutableArray<string> Assemblies { get; private set; } = [];

    /// <summary><see cref="Assemblies"/> as references for the cells' compilations.</summary>
    public ImmutableArray<MetadataReference> References { get; private set; } = [];

    private static (string Id, string? Version) ParseSpec(string spec)
    {
        var parts = spec.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length is < 1 or > 2 || !PackageId().IsMatch(parts[0]))
            throw new NuGetException($"#r \"nuget: {spec}\" is not a package reference: write #r \"nuget: Name\" or #r \"nuget: Name, Version\"");
        return (parts[0], parts.Length == 2 && parts[1].Length > 0 ? parts[1] : null);
    }

    private ImmutableArray<string> Restore()
    {
        var framework = $"net{Environment.Version.Major}.{Environment.Version.Minor}";
        var project = new StringBuilder()
            .AppendLine("<Project Sdk=\"Microsoft.NET.Sdk\">")
            .AppendLine($"  <PropertyGroup><TargetFramework>{framework}</TargetFramework><OutputType>Library</OutputType>")
            .AppendLine($"    <RestoreAdditionalProjectSources>{System.Security.SecurityElement.Escape(string.Join(';', _sources))}</RestoreAdditionalProjectSources>")
            .AppendLine("  </PropertyGroup>")
            .AppendLine("  <ItemGroup>");
        foreach (var (id, version) in _packages)
            project.AppendLine($"    <PackageReference Include=\"{id}\" Version=\"{System.Security.SecurityElement.Escape(version ?? "*")}\" />");
        project.AppendLine("  </ItemGroup>").AppendLine("</Project>");
        var text = project.ToString();
        var folder = Path.Combine(_cacheRoot, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16]);
        var assets = Path.Combine(folder, "obj", "project.assets.json");
        if (!File.Exists(assets))
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "packages.csproj"), text);
            RunRestore(folder);
        }
        return ReadAssets(assets);
    }

    private void RunRestore(string folder)
    {
        var start = new ProcessStartInfo("dotnet", ["restore", "packages.csproj", "--nologo", "-v", "q"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new NuGetException("could not start `dotnet restore` (is the .NET SDK on PATH?)");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new NuGetException($"restoring {Describe()} took over 5 minutes; stopped");
        }
        if (process.ExitCode == 0) return;
        // NuGet names each package it could not have (NU1101, NU1102, ...); those lines are the error
        var lines = (stdout.Result + "\n" + stderr.Result).Split('\n')
            .Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase))
            .Select(l => Regex.Replace(l.Trim(), @"^.*?packages\.csproj\s*:\s*", "").Replace(" [" + Path.Combine(folder, "packages.csproj") + "]", ""))
            .Distinct().Take(5).ToList();
        Directory.Delete(folder, recursive: true);      // a failed restore leaves no half-written cache entry
        throw new NuGetException($"could not restore {Describe()}: {(lines.Count > 0 ? string.Join(" ", lines) : $"dotnet restore exited {process.ExitCode}")}");
    }

    private string Describe() => string.Join(", ", _packages.Select(p => p.Version is null ? p.Id : $"{p.Id} {p.Version}"));

    private ImmutableArray<string> ReadAssets(string assetsPath)
    {
        var assets = JsonNode.Parse(File.ReadAllText(assetsPath))!;
        var packageFolder = ((JsonObject)assets["packageFolders"]!).First().Key;
        var libraries = (JsonObject)assets["libraries"]!;
        var target = (JsonObject)((JsonObject)assets["targets"]!).First().Value!;
        var rids = new[] { RuntimeInformation.RuntimeIdentifier, $"linux-{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}", "linux", "unix" };
        var assemblies = ImmutableArray.CreateBuilder<string>();
        foreach (var (name, node) in target)
        {
            if (node?["type"]?.GetValue<string>() != "package") continue;
            var root = Path.Combine(packageFolder, libraries[name]!["path"]!.GetValue<string>());
            foreach (var (asset, _) in (node["runtime"] as JsonObject ?? []))
            {
                if (asset.EndsWith("/_._", StringComparison.Ordinal) || !asset.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) continue;
                // the framework's own copy wins over a package's older one (System.Text.Json and the like)
                if (_frameworkAssemblies.Contains(Path.GetFileNameWithoutExtension(asset))) continue;
                assemblies.Add(Path.Combine(root, asset));
            }
            // .NET Interactive kernel extensions sit beside the package's lib folder, outside its runtime assets
            var extensions = Path.Combine(root, "interactive-extensions", "dotnet");
            if (Directory.Exists(extensions)) _extensions.AddRange(Directory.EnumerateFiles(extensions, "*.dll").Order(StringComparer.Ordinal).Except(_extensions));
            foreach (var (asset, info) in (node["runtimeTargets"] as JsonObject ?? []))
                if (info?["assetType"]?.GetValue<string>() == "native" && rids.Contains(info["rid"]?.GetValue<string>()))
                    _nativeDirectories.TryAdd(Path.GetDirectoryName(Path.Combine(root, asset))!, true);
        }
        return assemblies.ToImmutable();
    }

    // A package built against an older dependency (Plotly.NET against FSharp.Core 5.0) asks for that version; NuGet
    // restored one version of each, the newest any package needs, and that is the one to load, as a build would.
    private Assembly? ResolveManaged(AssemblyLoadContext context, AssemblyName name)
    {
        var path = Assemblies.FirstOrDefault(p => string.Equals(Path.GetFileNameWithoutExtension(p), name.Name, StringComparison.OrdinalIgnoreCase));
        return path is null ? null : context.LoadFromAssemblyPath(path);
    }

    private IntPtr ResolveNative(Assembly assembly, string name)
    {
        foreach (var directory in _nativeDirectories.Keys)
            foreach (var candidate in new[] { name, $"lib{name}.so", $"{name}.so" })
            {
                var path = Path.Combine(directory, candidate);
                if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle)) return handle;
            }
        return IntPtr.Zero;
    }
}

/// <summary>A package reference that cannot be had: the message names the package and says why.</summary>
internal sealed class NuGetException(string message) : Exception(message);
