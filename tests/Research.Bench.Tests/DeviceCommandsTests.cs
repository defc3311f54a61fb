using System.Text.Json.Nodes;
using Research.Torch;

namespace Research.Bench.Tests;

/// <summary>The benchmark's two device commands, run here on the CPU as they will run on a GPU machine: given
/// <c>--device cpu --quick</c>, when <c>device-check</c> or <c>gpu</c> runs, then it exits 0 and writes its JSON and
/// Markdown with every field a reader of the GPU run looks for; given a mistake on the command line (or CUDA where there
/// is none), then it says so in one line, exits 2 and writes nothing. Performance numbers are never asserted.</summary>
public sealed class DeviceCommandsTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), $"research-bench-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    [Fact]
    public void DeviceCheck_OnTheCpu_PassesEveryCheckAndWritesBothReports()
    {
        var run = BenchProcess.Run("device-check", "--device", "cpu", "--quick", "--out", _out);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_out, "device-check.json")))!;
        Assert.True(json["passed"]!.GetValue<bool>());
        Assert.True(json["cpu_against_cpu"]!.GetValue<bool>());
        var env = json["environment"]!;
        Assert.Matches(@"^\d+\.\d+", env["torch_version"]!.GetValue<string>());
        Assert.NotNull(env["cuda_memory_stats_available"]);
        Assert.NotEmpty(env["device_name"]!.GetValue<string>());

        var checks = json["checks"]!.AsArray().Select(c => c!).ToList();
        Assert.All(checks, c => Assert.Equal("pass", c["status"]!.GetValue<string>()));
        Assert.All(checks, c => Assert.False(string.IsNullOrEmpty(c["tolerance"]!.GetValue<string>())));

        var golden = checks.Single(c => c["name"]!.GetValue<string>() == "golden operators");
        var cases = golden["data"]!["cases"]!.AsArray();
        Assert.True(cases.Count >= 60, $"only {cases.Count} golden cases ran");
        Assert.Contains(cases, c => c!["case"]!.GetValue<string>() == "conv2d" && c["tier"]!.GetValue<string>() == "tf32");

        // --quick: one variant of every family, each its own check.
        var families = new[] { "mlp-mixer", "resmlp", "poolformer", "metaformer", "ms-mlp", "raftmlp", "cyclemlp", "vip", "s2mlp", "s2mlpv2" };
        var steps = checks.Select(c => c["name"]!.GetValue<string>()).Where(n => n.StartsWith("training step: ")).ToList();
        Assert.All(families, f => Assert.Contains(steps, n => n.EndsWith($"({f})")));
        var graph = checks.Single(c => c["name"]!.GetValue<string>().Contains("graph models"));
        Assert.All(new[] { "gcn", "graphsage", "gat", "student_mlp" }, m => Assert.NotNull(graph["data"]![m]));

        var memory = checks.Single(c => c["name"]!.GetValue<string>().StartsWith("memory"))["data"]!;
        Assert.Equal(50, memory["steps"]!.GetValue<int>());
        Assert.Equal(0, memory["worst_live_tensor_drift"]!.GetValue<long>());
        Assert.Equal(2, memory["samples"]!.AsArray().Count);

        var md = File.ReadAllText(Path.Combine(_out, "device-check.md"));
        Assert.Contains("the \"device\" is the CPU as well", md);
        Assert.Contains("| conv2d | tf32 |", md);
        Assert.Empty(Directory.GetFiles(_out, "*.tmp"));
    }

    [Fact]
    public void Gpu_OnTheCpu_PrintsAndWritesATableWithBothSides()
    {
        var run = BenchProcess.Run("gpu", "--device", "cpu", "--quick", "--python", BenchProcess.Python, "--out", _out);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
        Assert.Contains("| ours [img/s] | PyTorch [img/s] | ours/PyTorch (target >= 1.0x) |", run.Stdout);

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_out, "gpu-bench.json")))!;
        Assert.Equal(8, json["settings"]!["batch"]!.GetValue<int>());
        foreach (var precision in new[] { "bf16", "fp32" })
        {
            Assert.True(json["peak_matmul"]![precision]!["ours_tflops"]!.GetValue<double>() > 0);
            Assert.True(json["peak_matmul"]![precision]!["pytorch_tflops"]!.GetValue<double>() > 0);
        }
        var rows = json["rows"]!.AsArray().Select(r => r!).ToList();
        var notRun = json["not_run"]!.AsArray().Select(r => r!).ToList();
        // Every model in both precisions is measured, or not run because both sides fail alike (libtorch 1.13's CPU
        // autocast cannot run LayerNorm in bf16): never a failure of one side.
        foreach (var model in new[] { "s2mlp", "s2mlpv2", "mixer" })
        {
            var fp32 = rows.Single(r => r["model"]!.GetValue<string>() == model && r["precision"]!.GetValue<string>() == "fp32");
            Assert.True(fp32["ours_images_per_s"]!.GetValue<double>() > 0);
            Assert.True(fp32["pytorch_images_per_s"]!.GetValue<double>() > 0);
            Assert.True(fp32["forward_macs_per_image"]!.GetValue<long>() > 0);
            Assert.NotNull(fp32["ours_share_of_bf16_peak"]);
            Assert.Equal(2, fp32["rounds"]!["ours"]!.AsArray().Count);
            bool bf16Measured = rows.Any(r => r["model"]!.GetValue<string>() == model && r["precision"]!.GetValue<string>() == "bf16");
            if (!bf16Measured)
            {
                var skipped = notRun.Single(r => r["model"]!.GetValue<string>() == model && r["precision"]!.GetValue<string>() == "bf16");
                Assert.False(skipped["failed"]!.GetValue<bool>());
                Assert.StartsWith("both sides fail", skipped["reason"]!.GetValue<string>());
            }
        }
        Assert.Contains(json["targets"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "ours/PyTorch s2mlp fp32");
        var md = File.ReadAllText(Path.Combine(_out, "gpu-bench.md"));
        Assert.Contains("| S2-MLP p4 c32 N2 | fp32 |", md);
        Assert.Contains("ours bf16/fp32 (target >= 1.5x on S2-MLP)", md);
    }

    [Fact]
    public void CudaWithoutAGpu_IsOneClearLine_Exit2_AndNothingWritten()
    {
        if (torch.cuda.is_available()) return;   // the clear error is for machines without one
        foreach (var command in new[] { "device-check", "gpu" })
        {
            var run = BenchProcess.Run(command, "--device", "cuda", "--out", _out);
            Assert.Equal(2, run.ExitCode);
            var lines = run.Stderr.Trim().Split('\n');
            Assert.Single(lines);
            Assert.StartsWith("CUDA is not available: ", lines[0]);
            Assert.False(Directory.Exists(_out), $"{command} created {_out}");
        }
    }

    [Theory]
    [InlineData("--models", "s2mlp,resnet", "unknown model 'resnet'")]
    [InlineData("--precision", "fp16", "unknown precision 'fp16'")]
    [InlineData("--batch", "12", "unknown argument '--batch'")]
    public void Gpu_UnknownModelPrecisionOrOption_IsNamed_Exit2_AndNothingWritten(string option, string value, string message)
    {
        var run = BenchProcess.Run("gpu", "--device", "cpu", "--out", _out, option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Stderr);
        Assert.False(Directory.Exists(_out));
    }
}
