using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Research.Cli;

/// <summary><c>train --nproc N</c>: starts N worker processes of the same command on this machine, as
/// <c>torchrun</c> does, each with <c>RANK</c>, <c>LOCAL_RANK</c>, <c>WORLD_SIZE</c>, <c>LOCAL_WORLD_SIZE</c>,
/// <c>GROUP_RANK</c>, <c>MASTER_ADDR</c> and <c>MASTER_PORT</c> set and the cores shared among them. With
/// <c>--nnodes M --node-rank K --master-addr HOST</c> the same command on each of M machines makes one run of
/// M × N ranks. When a worker fails, the launcher names it, stops the others and exits non-zero; an interrupt is
/// passed on to every worker, so rank 0 saves a checkpoint and the same command continues the run.</summary>
public static class Launcher
{
    public const string Usage = """
          --nproc N              data-parallel: start N worker processes on this machine (torchrun's
                                 --nproc-per-node); --batch-size is per process, threads default to cores / N
          --nnodes M --node-rank K --master-addr HOST --master-port P
                                 the same command on each of M machines (rank 0's machine at HOST:P,
                                 default port 29500; on one machine a free port is chosen)
          --dist-timeout S       seconds a collective or the rendezvous may wait for a peer (1800)
        """;

    private static readonly string[] LauncherOptions = ["nproc", "nnodes", "node-rank", "master-addr", "master-port"];
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(15);

    public static bool Requested(IReadOnlyList<string> args) => args.Any(a => a is "--nproc" or "--nnodes" || a.StartsWith("--nproc=") || a.StartsWith("--nnodes="));

    public static int Run(IReadOnlyList<string> args)
    {
        var cl = new CommandLine(args);
        int nproc = cl.Int("nproc") ?? 1, nnodes = cl.Int("nnodes") ?? 1, nodeRank = cl.Int("node-rank") ?? 0;
        if (nproc < 1) throw new ArgumentException($"train: --nproc must be at least 1, not {nproc}");
        if (nnodes < 1) throw new ArgumentException($"train: --nnodes must be at least 1, not {nnodes}");
        if (nodeRank < 0 || nodeRank >= nnodes) throw new ArgumentException($"train: --node-rank {nodeRank} is outside 0..{nnodes - 1} for --nnodes {nnodes}");
        var masterAddr = cl.Get("master-addr") ?? (nnodes == 1 ? "127.0.0.1"
            : throw new ArgumentException("train: --master-addr is required with --nnodes > 1 (the address of node 0)"));
        var portText = cl.Get("master-port");
        int port;
        if (portText is null) port = nnodes == 1 ? FreePort() : 29500;
        else if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            throw new ArgumentException($"train: --master-port must be a port number in 1..65535, not '{portText}'");

        var workerArgs = WithoutLauncherOptions(args);
        int threads = Math.Max(1, Environment.ProcessorCount / nproc);
        int world = nnodes * nproc;
        var workers = new List<(int Rank, Process Process)>();
        Console.Error.WriteLine($"train: node {nodeRank} of {nnodes} starts ranks {nodeRank * nproc}..{nodeRank * nproc + nproc - 1} of {world}, " +
            $"master {masterAddr}:{port}, {threads} thread{(threads == 1 ? "" : "s")} each");
        using var interrupt = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupt.Cancel(); };
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; interrupt.Cancel(); });
        try
        {
            for (int local = 0; local < nproc; local++)
            {
                int rank = nodeRank * nproc + local;
                var info = WorkerStart(workerArgs);
                var env = info.Environment;
                env["RANK"] = rank.ToString(CultureInfo.InvariantCulture);
                env["LOCAL_RANK"] = local.ToString(CultureInfo.InvariantCulture);
                env["WORLD_SIZE"] = world.ToString(CultureInfo.InvariantCulture);
                env["LOCAL_WORLD_SIZE"] = nproc.ToString(CultureInfo.InvariantCulture);
                env["GROUP_RANK"] = nodeRank.ToString(CultureInfo.InvariantCulture);
                env["MASTER_ADDR"] = masterAddr;
                env["MASTER_PORT"] = port.ToString(CultureInfo.InvariantCulture);
                env["RESEARCH_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
                env["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
                var p = Process.Start(info) ?? throw new InvalidOperationException($"train: could not start rank {rank}");
                workers.Add((rank, p));
                Console.Error.WriteLine($"train: rank {rank} is pid {p.Id}");
            }
            return Supervise(workers, interrupt.Token);
        }
        finally
        {
            foreach (var (_, p) in workers) p.Dispose();
        }
    }

    // Waits for every worker. The first to fail is named, the others get a short grace to fail on their own
    // (they name what they saw), then a SIGTERM, then a SIGKILL; so no worker outlives a broken run.
    private static int Supervise(List<(int Rank, Process Process)> workers, CancellationToken interrupt)
    {
        int? failed = null;   // index into workers
        bool stopping = false;
        while (workers.Any(w => !w.Process.HasExited))
        {
            if (interrupt.IsCancellationRequested && !stopping)
            {
                stopping = true;
                foreach (var w in workers) Signal(w.Process, Sigterm);
            }
            failed ??= FirstFailure(workers);
            if (failed is { } f && !stopping)
            {
                var (rank, process) = workers[f];
                Console.Error.WriteLine($"train: rank {rank} (pid {process.Id}) {Describe(process.ExitCode)}; stopping the other workers");
                stopping = true;
                Stop(workers);
            }
            Thread.Sleep(50);
        }
        failed ??= FirstFailure(workers);
        for (int i = 0; i < workers.Count; i++)
            if (i != failed && workers[i].Process.ExitCode != 0)
                Console.Error.WriteLine($"train: rank {workers[i].Rank} {Describe(workers[i].Process.ExitCode)}");
        if (interrupt.IsCancellationRequested) return 130;
        if (failed is not { } first) return 0;
        int code = workers[first].Process.ExitCode;
        return code is > 0 and < 128 ? code : 1;
    }

    private static int? FirstFailure(List<(int Rank, Process Process)> workers)
    {
        var failures = Enumerable.Range(0, workers.Count).Where(i => workers[i].Process.HasExited && workers[i].Process.ExitCode != 0).ToList();
        return failures.Count == 0 ? null : failures.MinBy(i => workers[i].Process.ExitTime);
    }

    private static void Stop(List<(int Rank, Process Process)> workers)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Grace && workers.Any(w => !w.Process.HasExited)) Thread.Sleep(50);
        foreach (var w in workers.Where(w => !w.Process.HasExited)) Signal(w.Process, Sigterm);
        while (clock.Elapsed < Grace + StopWait && workers.Any(w => !w.Process.HasExited)) Thread.Sleep(50);
        foreach (var w in workers.Where(w => !w.Process.HasExited))
        {
            Console.Error.WriteLine($"train: rank {w.Rank} (pid {w.Process.Id}) did not stop within {StopWait.TotalSeconds:0} s of SIGTERM; killing it");
            w.Process.Kill();
        }
    }

    // .NET reports a child ended by a signal as 128 + the signal's number.
    private static string Describe(int exitCode) => exitCode > 128 && exitCode < 128 + 32
        ? $"was killed by signal {exitCode - 128}{((exitCode - 128) switch { 9 => " (SIGKILL)", 15 => " (SIGTERM)", 6 => " (SIGABRT)", 11 => " (SIGSEGV)", _ => "" })}"
        : $"exited with code {exitCode}";

    private const int Sigterm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private static void Signal(Process p, int signal)
    {
        if (!p.HasExited) kill(p.Id, signal);
    }

    /// <summary>This program again, run the way it was run (an apphost, or <c>dotnet research-cli.dll</c>).</summary>
    private static ProcessStartInfo WorkerStart(IReadOnlyList<string> args)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("train: cannot tell which program is running");
        var info = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        info.ArgumentList.Add("train");
        foreach (var a in args) info.ArgumentList.Add(a);
        return info;
    }

    private static List<string> WithoutLauncherOptions(IReadOnlyList<string> args)
    {
        var kept = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            var name = a.StartsWith("--", StringComparison.Ordinal) ? a[2..].Split('=', 2)[0] : null;
            if (name is not null && LauncherOptions.Contains(name))
            {
                if (!a.Contains('=') && i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) i++;
                continue;
            }
            kept.Add(a);
        }
        return kept;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
