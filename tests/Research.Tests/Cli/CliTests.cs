using System.Text.Json.Nodes;
using Research.Cli;

namespace Research.Tests.Training;

/// <summary>The command line's <c>train</c>: a run writes its summary, metrics and checkpoint; a second run with the
/// same output folder continues from the checkpoint instead of starting over; mistakes are named.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), $"research-cli-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    private static string[] Tiny(string outDir, params string[] extra) =>
    [
        "--model", "s2mlp_wide", "--set", "PatchSize=4", "--set", "EmbedDim=16", "--set", "Depth=1", "--set", "MlpRatio=2",
        "--dataset", "stripes", "--fraction", "0.03", "--epochs", "1", "--batch-size", "64", "--budget", "smoke",
        "--out", outDir, .. extra,
    ];

    [Fact]
    public void Train_WritesSummaryMetricsAndCheckpoint_AndARerunResumesInsteadOfRetraining()
    {
        Assert.Equal(0, TrainCommand.Run(new CommandLine(Tiny(_out, "--fresh"))));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(_out, "summary.json")))!;
        long steps = summary["steps"]!.GetValue<long>();
        double accuracy = summary["test_accuracy"]!.GetValue<double>();
        Assert.True(steps > 0);
        Assert.InRange(accuracy, 0.0, 1.0);
        Assert.Equal(16, summary["model"]!["config"]!["EmbedDim"]!.GetValue<long>());

        var metricLines = File.ReadAllLines(Path.Combine(_out, "metrics.jsonl"));
        Assert.NotEmpty(metricLines);
        Assert.All(metricLines, line => Assert.NotNull(JsonNode.Parse(line)!["step"]));
        Assert.NotEmpty(Directory.GetDirectories(Path.Combine(_out, "checkpoints")));

        Assert.Equal(0, TrainCommand.Run(new CommandLine(Tiny(_out))));
        var again = JsonNode.Parse(File.ReadAllText(Path.Combine(_out, "summary.json")))!;
        Assert.Equal(steps, again["resumed_from_step"]!.GetValue<long>());
    }

    [Fact]
    public void Train_UnknownOptionOrConfigField_IsNamedInTheError()
    {
        var unknown = Assert.Throws<ArgumentException>(() => TrainCommand.Run(new CommandLine(Tiny(_out, "--epoch", "3"))));
        Assert.Contains("--epoch", unknown.Message);
        var field = Assert.Throws<ArgumentException>(() =>
            TrainCommand.Run(new CommandLine(["--model", "s2mlp_wide", "--set", "Width=3", "--dataset", "stripes", "--out", _out])));
        Assert.Contains("Width", field.Message);
        Assert.Contains("EmbedDim", field.Message);
    }
}
