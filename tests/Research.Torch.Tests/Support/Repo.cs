namespace Research.Torch.Tests;

/// <summary>Paths inside the checkout, found by walking up from the test assembly to Research.sln.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Golden(string file) => Path.Combine(Root, "tests", "golden", file);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Research.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Research.sln not found above {AppContext.BaseDirectory}");
    }
}
