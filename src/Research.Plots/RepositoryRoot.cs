namespace Research.Plots;

/// <summary>
/// The kit's checkout: the folder holding <c>Research.sln</c>, found by walking up from the working directory, then from
/// the assembly (the same lookup as <c>Research.Experiments.ResearchPaths</c>, which this library may not reference).
/// </summary>
internal static class RepositoryRoot
{
    private static readonly Lazy<string?> Root = new(() => Find(Directory.GetCurrentDirectory(), AppContext.BaseDirectory));

    /// <summary>The checkout's root, or null when neither start lies inside one (a published app without its sources).</summary>
    public static string? Path => Root.Value;

    internal static string? Find(params string[] starts)
    {
        foreach (var start in starts)
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Research.sln"))) return dir.FullName;
        return null;
    }
}
