using Research.Torch;

namespace Research.Tests.Families;

/// <summary>Paths inside the checkout, found by walking up from the test assembly to Research.sln.</summary>
internal static class GoldenFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(string file) => System.IO.Path.Combine(Root, "tests", "golden", file);

    /// <summary>Loads a golden safetensors file; the caller disposes the tensors.</summary>
    public static Dictionary<string, Tensor> Load(string file) => SafeTensors.Load(Path(file));

    /// <summary>Loads <c>{stem}.weights.safetensors</c> into <paramref name="model"/> strictly (nothing missing, nothing
    /// unexpected) and checks its pre-logits and logits on <c>{stem}.io.safetensors</c>'s input to 1e-4.</summary>
    public static void AssertReproduces(Research.Models.ImageClassifier model, string stem)
    {
        using var scope = torch.NewDisposeScope();
        var weights = Load($"{stem}.weights.safetensors");
        var io = Load($"{stem}.io.safetensors");
        try
        {
            var (missing, unexpected) = model.load_state_dict(weights, strict: true);
            Assert.Empty(missing);
            Assert.Empty(unexpected);
            model.eval();
            using (torch.no_grad())
            {
                using var features = model.forward_features(io["input"]);
                Close.Equal(io["pre_logits"], model.forward_head(features, pre_logits: true), 1e-4, $"{stem} pre-logits");
                Close.Equal(io["logits"], model.forward_head(features), 1e-4, $"{stem} logits");
            }
        }
        finally
        {
            foreach (var t in weights.Values.Concat(io.Values)) t.Dispose();
        }
    }

    /// <summary>The model's state dict has exactly the keys of <c>{stem}.weights.safetensors</c>, each of the same shape.</summary>
    public static void AssertSameKeysAndShapes(Research.Models.ImageClassifier model, string stem)
    {
        var weights = Load($"{stem}.weights.safetensors");
        try
        {
            var ours = model.state_dict();
            Assert.Equal(weights.Keys.OrderBy(k => k, StringComparer.Ordinal), ours.Keys.OrderBy(k => k, StringComparer.Ordinal));
            foreach (var (key, value) in weights) Assert.Equal(value.shape, ours[key].shape);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

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
