using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Research.Torch;
using static Research.Bench.BenchSupport;

namespace Research.Bench;

/// <summary>bench/gpu.py kept running in <c>--serve</c> mode: one JSON request a line in, one JSON reply a line out. One
/// process for the whole benchmark, so the two sides can alternate round by round without PyTorch's start (import,
/// CUDA context, model builds) repeated each time.</summary>
internal sealed class PyTorchWorker : IDisposable
{
    /// <summary>Seconds a reply may take before the worker is taken for hung: a GPU loan is short.</summary>
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(300);

    private readonly Process process;
    private readonly StringBuilder stderr = new();

    public JsonObject Info { get; }

    /// <summary>The worker could not start; <see cref="BadArgument"/> when the interpreter itself was not found.</summary>
    public sealed class NotStarted(string message, bool badArgument) : Exception(message)
    {
        public bool BadArgument { get; } = badArgument;
    }

    /// <summary>A request failed, or the two sides disagree on what they measure.</summary>
    public sealed class Failed(string message) : Exception(message);

    private PyTorchWorker(Process process)
    {
        this.process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();   // drained as it comes, so a chatty stderr can never fill its pipe and block the child
        try
        {
            Info = Read("start");
        }
        catch (Failed e)
        {
            Dispose();
            throw new NotStarted($"PyTorch's side did not start: {e.Message}", badArgument: false);
        }
    }

    public static PyTorchWorker Start(string python, Device device)
    {
        var psi = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { Asset(Path.Combine("bench", "gpu.py")), "--serve", "--device", device.ToString(), "--threads", $"{torch.get_num_threads()}" })
            psi.ArgumentList.Add(a);
        // The same OpenMP and malloc settings as this process, so the CPU comparison is the binding's cost alone.
        foreach (var (key, value) in OurProcessSettings()) psi.Environment[key] = value;
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new NotStarted($"could not start {python}", badArgument: true);
        }
        catch (Win32Exception e)
        {
            throw new NotStarted($"cannot run the Python interpreter '{python}' (--python): {e.Message}", badArgument: true);
        }
        return new PyTorchWorker(process);
    }

    /// <summary>Sends <paramref name="request"/> and returns the reply; throws <see cref="Failed"/> with PyTorch's
    /// error and traceback when it reports one.</summary>
    public JsonObject Call(JsonObject request)
    {
        var (reply, error) = TryCall(request);
        return error is null ? reply : throw new Failed($"bench/gpu.py failed on {request.ToJsonString()}: {error}\n{reply["traceback"]}");
    }

    /// <summary>As <see cref="Call"/>, but PyTorch's error (its first line) is returned rather than thrown: the worker
    /// keeps serving after one. A dead or silent worker still throws.</summary>
    public (JsonObject Reply, string? Error) TryCall(JsonObject request)
    {
        process.StandardInput.WriteLine(request.ToJsonString());
        process.StandardInput.Flush();
        var reply = Read(request["op"]?.ToString() ?? "request");
        return (reply, reply["error"]?.ToString());
    }

    /// <summary>The next line of stdout that is a JSON object (a library may print other lines).</summary>
    private JsonObject Read(string what)
    {
        var deadline = DateTime.UtcNow + ReplyTimeout;
        while (true)
        {
            var pending = process.StandardOutput.ReadLineAsync();
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !pending.Wait(left))
            {
                Kill();
                throw new Failed($"bench/gpu.py gave no reply to {what} within {ReplyTimeout.TotalSeconds:F0} s{StderrTail()}");
            }
            var line = pending.Result;
            if (line is null)
            {
                process.WaitForExit();
                throw new Failed($"bench/gpu.py exited with code {process.ExitCode} before replying to {what}{StderrTail()}");
            }
            if (line.TrimStart().StartsWith('{') && JsonNode.Parse(line) is JsonObject reply) return reply;
        }
    }

    private string StderrTail()
    {
        string text;
        lock (stderr) text = stderr.ToString().TrimEnd();
        if (text.Length > 4000) text = "..." + text[^4000..];
        return text.Length == 0 ? "" : $":\n{text}";
    }

    private void Kill()
    {
        try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.StandardInput.WriteLine("{\"op\": \"quit\"}");
                process.StandardInput.Close();
                if (!process.WaitForExit(10_000)) Kill();
            }
        }
        catch (IOException) { Kill(); }
        process.Dispose();
    }
}
