namespace Research.Experiments;

/// <summary>Where the kit keeps data and results: the repository root (found by walking up to
/// <c>Research.sln</c> from the working directory or the assembly), <c>data/</c> under it, and the run cache
/// (<c>RESEARCH_CACHE</c>, else <c>data/cache/</c>, which git ignores).</summary>
public static class ResearchPaths
{
    private static readonly Lazy<string?> RootLazy = new(FindRoot);

    /// <summary>The repository root, or null when neither the working directory nor the assembly lies inside one.</summary>
    public static string? RepositoryRoot => RootLazy.Value;

    /// <summary><c>data/</c> under the repository (or under the working directory outside one).</summary>
    public static string Data => Path.Combine(RepositoryRoot ?? Directory.GetCurrentDirectory(), "data");

    /// <summary>The run cache: <c>RESEARCH_CACHE</c> when set, else <c>data/cache</c>.</summary>
    public static string Cache =>
        Environment.GetEnvironmentVariable("RESEARCH_CACHE") is { Length: > 0 } env ? Path.GetFullPath(env) : Path.Combine(Data, "cache");

    /// <summary>Committed results: <c>RESEARCH_RESULTS</c> when set, else <c>data/results</c> (tracked by git).</summary>
    public static string Results =>
        Environment.GetEnvironmentVariable("RESEARCH_RESULTS") is { Length: > 0 } env ? Path.GetFullPath(env) : Path.Combine(Data, "results");

    /// <summary><c>out/</c> under the repository: ignored by git, for run outputs a user keeps.</summary>
    public static string Out => Path.Combine(RepositoryRoot ?? Directory.GetCurrentDirectory(), "out");

    private static string? FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Research.sln"))) return dir.FullName;
        return null;
    }
}
