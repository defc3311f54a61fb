using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Research.Torch;
using Research.Training;
using static Research.Torch.torch;

namespace Research.Tests.Training;

/// <summary><c>train --nproc</c> end to end, in real processes over Gloo on loopback: two ranks end where one process
/// trained on the same global batches ends; a killed worker stops the run with its rank named and no checkpoint
/// half-written; an interrupted two-process run resumes; launch mistakes are named.</summary>
public sealed class DataParallelTests
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "research-cli.dll");

    // 640 stripes images: 20 steps of 32 for one process, of 16 per rank for two.
    private static string[] Small(string outDir, int batch, params string[] extra) =>
    [
        "--model", "s2mlp_wide", "--set", "PatchSize=4", "--set", "EmbedDim=32", "--set", "Depth=2",
        "--dataset", "stripes", "--fraction", "0.078125", "--epochs", "1", "--batch-size", batch.ToString(), "--budget", "smoke",
        "--dist-timeout", "30", "--out", outDir, .. extra,
    ];

    private sealed record Run(int ExitCode, string Stderr, TimeSpan Elapsed);

    private static Process Start(IEnumerable<string> args, Dictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(Cli);
        info.ArgumentList.Add("train");
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var name in new[] { "RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "LOCAL_RANK" }) info.Environment.Remove(name);
        foreach (var (k, v) in env ?? []) info.Environment[k] = v;
        return Process.Start(info)!;
    }

    /// <summary>Runs to the end, collecting stderr; <paramref name="whileRunning"/> sees each stderr line as it comes.</summary>
    private static Run Finish(Process p, Action<string>? whileRunning = null, int timeoutSeconds = 240)
    {
        var clock = Stopwatch.StartNew();
        var stderr = new StringBuilder();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.AppendLine(e.Data);
            whileRunning?.Invoke(e.Data);
        };
        p.OutputDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"train did not finish within {timeoutSeconds} s:\n{stderr}");
        }
        p.WaitForExit();
        lock (stderr) return new Run(p.ExitCode, stderr.ToString(), clock.Elapsed);
    }

    private static Run Train(IEnumerable<string> args, Dictionary<string, string>? env = null) => Finish(Start(args, env));

    private static Dictionary<string, float[]> FinalWeights(string outDir)
    {
        using var checkpoint = CheckpointStore.Load(new CheckpointStore(Path.Combine(outDir, "checkpoints")).Latest()!);
        return checkpoint.Weights.ToDictionary(kv => kv.Key, kv => kv.Value.data<float>());
    }

    private static JsonNode Summary(string outDir) => JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")))!;

    private static double MaxDifference(Dictionary<string, float[]> a, Dictionary<string, float[]> b)
    {
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        return a.Keys.Max(k => a[k].Zip(b[k], (x, y) => Math.Abs(x - y)).Max());
    }

    [Fact]
    public void TwoProcesses_EndWithTheParametersOfOneProcessOnTheSameGlobalBatches()
    {
        using var dir = new TempDir();
        var one = Train(Small(dir["one"], 32));
        Assert.True(one.ExitCode == 0, one.Stderr);
        var two = Train(Small(dir["two"], 16, "--nproc", "2"));
        Assert.True(two.ExitCode == 0, two.Stderr);

        Assert.Equal(20, Summary(dir["one"])["steps"]!.GetValue<long>());
        Assert.Equal(20, Summary(dir["two"])["steps"]!.GetValue<long>());
        Assert.Equal(2, Summary(dir["two"])["processes"]!.GetValue<int>());
        double diff = MaxDifference(FinalWeights(dir["one"]), FinalWeights(dir["two"]));
        Assert.True(diff <= 1e-6, $"largest parameter difference {diff}");
        // Only rank 0 writes: one record per log point, as in the one-process run.
        Assert.Equal(File.ReadAllLines(Path.Combine(dir["one"], "metrics.jsonl")).Length, File.ReadAllLines(Path.Combine(dir["two"], "metrics.jsonl")).Length);
    }

    [Fact]
    public void TwoNodes_OnLoopback_MakeOneRun()
    {
        using var dir = new TempDir();
        int port = FreePort();
        string[] node(int k) => Small(dir["run"], 16, "--nproc", "1", "--nnodes", "2", "--node-rank", k.ToString(),
            "--master-addr", "127.0.0.1", "--master-port", port.ToString());
        var first = Start(node(0));
        var second = Start(node(1));
        var (a, b) = (Finish(first), Finish(second));
        Assert.True(a.ExitCode == 0, a.Stderr);
        Assert.True(b.ExitCode == 0, b.Stderr);
        Assert.Contains("starts ranks 1..1 of 2", b.Stderr);
        Assert.Equal(2, Summary(dir["run"])["processes"]!.GetValue<int>());
        Assert.Equal(20, Summary(dir["run"])["steps"]!.GetValue<long>());
    }

    [Fact]
    public void KilledWorker_StopsTheRunWithItsRankNamed_AndLeavesOnlyWholeCheckpoints()
    {
        using var dir = new TempDir();
        var checkpoints = Path.Combine(dir["run"], "checkpoints");
        // Long enough that the kill lands mid-run; a checkpoint every 10 steps, so one may be in flight.
        var p = Start(Small(dir["run"], 16, "--nproc", "2", "--epochs", "400", "--checkpoint-every", "10"));
        int? victim = null;
        var killed = new ManualResetEventSlim();
        var run = Finish(p, line =>
        {
            if (line.StartsWith("train: rank 1 is pid ")) victim = int.Parse(line["train: rank 1 is pid ".Length..]);
            if (victim is { } pid && !killed.IsSet && Directory.Exists(checkpoints) && new CheckpointStore(checkpoints).List().Count > 0)
            {
                killed.Set();
                Process.GetProcessById(pid).Kill();
            }
        });
        Assert.True(killed.IsSet, $"the worker was never killed:\n{run.Stderr}");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("train: rank 1 (pid", run.Stderr);
        Assert.Contains("was killed by signal 9 (SIGKILL)", run.Stderr);
        Assert.Contains("rank 1 no longer answers", run.Stderr);   // rank 0's own error names the dead rank
        Assert.Empty(Directory.GetDirectories(checkpoints, ".tmp-*"));
        var store = new CheckpointStore(checkpoints);
        Assert.NotEmpty(store.List());
        foreach (var (_, path) in store.List()) CheckpointStore.Load(path).Dispose();   // each checked against its recorded hashes
    }

    [Fact]
    public void InterruptedTwoProcessRun_ResumesFromRankZerosCheckpoint_AndEndsAsAnUninterruptedOne()
    {
        using var dir = new TempDir();
        // 200 steps, so that the signal lands mid-run on a fast machine too
        var whole = Train(Small(dir["whole"], 16, "--nproc", "2", "--epochs", "10"));
        Assert.True(whole.ExitCode == 0, whole.Stderr);

        var p = Start(Small(dir["run"], 16, "--nproc", "2", "--epochs", "10", "--checkpoint-every", "5"));
        var checkpoints = Path.Combine(dir["run"], "checkpoints");
        // Watched on a timer rather than on each line of output: a fast run may print nothing between its first
        // checkpoint and its end.
        var sent = Task.Run(() =>
        {
            while (!p.HasExited)
            {
                if (Directory.Exists(checkpoints) && new CheckpointStore(checkpoints).List().Count > 0)
                {
                    Process.Start("kill", ["-TERM", p.Id.ToString()])!.WaitForExit();
                    return true;
                }
                Thread.Sleep(10);
            }
            return false;
        });
        var first = Finish(p);
        Assert.True(sent.Result, first.Stderr);
        Assert.Equal(130, first.ExitCode);
        var again = Train(Small(dir["run"], 16, "--nproc", "2", "--epochs", "10"));
        Assert.True(again.ExitCode == 0, again.Stderr);
        var summary = Summary(dir["run"]);
        Assert.True(summary["resumed_from_step"]!.GetValue<long>() > 0, again.Stderr);
        Assert.Equal(200, summary["steps"]!.GetValue<long>());
        double diff = MaxDifference(FinalWeights(dir["whole"]), FinalWeights(dir["run"]));
        Assert.True(diff <= 1e-6, $"largest parameter difference {diff}");
    }

    [Fact]
    public void BadMasterPort_IsNamed()
    {
        using var dir = new TempDir();
        var worker = Train(Small(dir["run"], 16), new() { ["RANK"] = "0", ["WORLD_SIZE"] = "2", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = "http" });
        Assert.Equal(2, worker.ExitCode);
        Assert.Contains("MASTER_PORT must be a port number in 1..65535, not 'http'", worker.Stderr);
        var launcher = Train(Small(dir["run"], 16, "--nproc", "2", "--master-port", "70000"));
        Assert.Equal(2, launcher.ExitCode);
        Assert.Contains("--master-port must be a port number in 1..65535, not '70000'", launcher.Stderr);
        Assert.False(File.Exists(Path.Combine(dir["run"], "summary.json")));
    }

    [Fact]
    public void ADeviceOrPrecisionThatCannotRun_IsNamedBeforeTraining()
    {
        if (cuda.is_available()) return;   // the GPU bundle's device check covers a machine with one
        using var dir = new TempDir();
        var fromEnvironment = Train(Small(dir["run"], 16), new() { ["RESEARCH_DEVICE"] = "cuda" });
        Assert.NotEqual(0, fromEnvironment.ExitCode);
        Assert.Contains("the device is cuda (from RESEARCH_DEVICE), but CUDA is not available", fromEnvironment.Stderr);
        var precision = Train(Small(dir["run"], 16, "--precision", "fp8"));
        Assert.NotEqual(0, precision.ExitCode);
        Assert.Contains("--precision: unknown precision 'fp8' (fp32 or bf16)", precision.Stderr);
        Assert.False(File.Exists(Path.Combine(dir["run"], "summary.json")));
    }

    [Fact]
    public void WorldSizeThatDoesNotMatch_IsNamed()
    {
        using var dir = new TempDir();
        int port = FreePort();
        Dictionary<string, string> env(int rank, int world) => new()
        {
            ["RANK"] = rank.ToString(), ["WORLD_SIZE"] = world.ToString(), ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = port.ToString(),
        };
        var args = Small(dir["run"], 16, "--dist-timeout", "10");
        // Two processes that disagree: rank 1 sees it at once.
        var rank0 = Start(args, env(0, 2));
        var rank1 = Finish(Start(args, env(1, 3)));
        Assert.Equal(1, rank1.ExitCode);
        Assert.Contains("rank 1: init_process_group failed: WORLD_SIZE is 3 here but 2 on rank 0", rank1.Stderr);
        var left = Finish(rank0);
        Assert.NotEqual(0, left.ExitCode);

        // A world of three with two processes started: the master gives up at the timeout, saying how many joined.
        port = FreePort();
        var lone = Start(args, env(1, 3));
        var master = Finish(Start(args, env(0, 3)));
        Assert.Equal(1, master.ExitCode);
        Assert.Contains("rank 0: init_process_group failed: only 2 of WORLD_SIZE=3 processes joined within 10 s", master.Stderr);
        Assert.True(master.Elapsed < TimeSpan.FromSeconds(60), $"took {master.Elapsed}");
        Finish(lone);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
