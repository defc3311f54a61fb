using Research.Torch;

namespace Research.Tests.Families;

/// <summary>Paths inside the checkout, found by walking up from the test assembly to Research.sln.</summary>
internal static class GoldenFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(string file) => System.IO.Path.Combine(Root, "tests", "golden", file);

    /// <summary>Loads a golden safetensors file; the caller disposes the tensors.</summary>
    public static Dictionary<string, Tensor> Load(string file) => SafeTensors.Load(Path(file));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Research.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Research.sln not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>Tensor assertions with the largest difference in the message.</summary>
internal static class Close
{
    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(b.shape, a.shape);
        using var scope = torch.NewDisposeScope();
        return (a.to(torch.float64) - b.to(torch.float64)).abs().max().ToDouble();
    }

    public static void Equal(Tensor expected, Tensor actual, double atol, string what)
    {
        double diff = MaxAbsDiff(actual, expected);
        Assert.True(diff <= atol, $"{what}: max |difference| {diff:E3} > {atol:E1}");
    }
}
