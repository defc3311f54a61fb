using System.Runtime.InteropServices;
using System.Text.Json;
using Research.Kernel;
using Research.Kernel.Execution;
using Research.Kernel.Protocol;

// The kernel process Jupyter starts: Research.Kernel -f <connection file>.
string? connectionFile = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "-f" or "--connection-file" when i + 1 < args.Length:
            connectionFile = args[++i];
            break;
        case var a when a.StartsWith("--connection-file=", StringComparison.Ordinal):
            connectionFile = a["--connection-file=".Length..];
            break;
        case "-v" or "--verbose":
            KernelLog.Verbose = true;
            break;
        case "-h" or "--help":
            Console.WriteLine("usage: Research.Kernel -f CONNECTION_FILE [--verbose]\nA C# Jupyter kernel; Jupyter starts it from its kernelspec.");
            return 0;
    }
}
if (connectionFile is null)
{
    Console.Error.WriteLine("usage: Research.Kernel -f CONNECTION_FILE [--verbose]");
    return 2;
}

var requested = ConnectionInfo.Read(connectionFile);
using var server = new KernelServer(requested, output => new CSharpInterpreter(output));
if (requested.ShellPort == 0 || requested.IopubPort == 0 || requested.StdinPort == 0 || requested.ControlPort == 0 || requested.HeartbeatPort == 0)
{
    // The ports picked go back into the file, for the client that asked the kernel to pick them.
    File.WriteAllText(connectionFile, JsonSerializer.Serialize(server.Connection));
}
// SIGINT interrupts the running cell and never ends the kernel, as Jupyter expects of kernels.
// A kernel launched from a background job inherits SIGINT as ignored, and .NET leaves an ignored
// SIGINT ignored; Jupyter interrupts by SIGINT, so the kernel takes the signal back first.
RestoreDefaultSigint();
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
{
    context.Cancel = true;
    server.Interrupt();
});
server.Start();
KernelLog.Debug($"listening on {server.Connection.Ip} (shell port {server.Connection.ShellPort}), "
    + $"{(DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalMilliseconds:F0} ms after the process started");
server.WaitForShutdown();
return 0;

static void RestoreDefaultSigint()
{
    const int SIGINT = 2;
    SetSignalDisposition(SIGINT, IntPtr.Zero);   // SIG_DFL
}

[DllImport("libc", EntryPoint = "signal")]
static extern IntPtr SetSignalDisposition(int signal, IntPtr handler);
