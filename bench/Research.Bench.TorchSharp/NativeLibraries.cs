using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Research.Bench.TorchSharp;

/// <summary>Loads TorchSharp's native library, libLibTorchSharp.so, before TorchSharp first looks for it. TorchSharp
/// 0.107.0's build needs symbol version GLIBCXX_3.4.32 (GCC 13's libstdc++) for one symbol,
/// <c>std::ios_base_library_init</c>, so it does not load on an older libstdc++ (Debian 12 has GCC 12's). There a
/// private copy is prepared with that need marked weak (<see cref="ElfVersionNeeds"/>) and a tiny library supplying
/// the symbol (native/ios_base_library_init.cpp), and the copy is loaded instead: TorchSharp asks for the library by
/// name, its shipped file fails again, and the dynamic linker then answers the bare name <c>libLibTorchSharp.so</c>
/// with the copy already loaded under that soname. Neither the NuGet cache nor this program's folder is changed.</summary>
internal static class NativeLibraries
{
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private const string Library = "libLibTorchSharp.so";
    private const string ShimSource = "ios_base_library_init.cpp";
    private const string Shim = "libios_base_library_init.so";

    private const int RtldNow = 0x2, RtldGlobal = 0x100;

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern IntPtr DlOpen(string path, int flags);

    [DllImport("libc", EntryPoint = "dlerror")]
    private static extern IntPtr DlError();

    /// <summary>Loads libLibTorchSharp.so as shipped, or a patched copy in <paramref name="privateFolder"/> (a path
    /// relative to the checkout <paramref name="root"/>) where the shipped one needs a newer libstdc++; returns which,
    /// and why, for the benchmark's output.</summary>
    public static string Load(string root, string privateFolder)
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        var original = Path.Combine(shipped, Library);
        if (!File.Exists(original))
            throw new FileNotFoundException($"{original} is missing: the restore of TorchSharp 0.107.0 brings it", original);
        // libtorch first, from the folder TorchSharp loads it from, so that a copy elsewhere finds its NEEDED
        // libtorch.so, libc10.so and libtorch_cpu.so loaded by soname (its RUNPATH, $ORIGIN, would not find them).
        NativeLibrary.Load(Path.Combine(shipped, "libtorch.so"));
        string failure;
        try
        {
            NativeLibrary.Load(original);
            return $"as shipped ({Path.GetRelativePath(root, original)})";
        }
        catch (DllNotFoundException e) when (e.Message.Contains(MissingVersion))
        {
            // The message ends with dlerror's line: "<libstdc++ path>: version `GLIBCXX_3.4.32' not found (required by ...)".
            var line = e.Message.TrimEnd().Split('\n')[^1];
            int cut = line.IndexOf(" (required by", StringComparison.Ordinal);
            failure = cut > 0 ? line[..cut] : line;
        }

        privateFolder = Path.Combine(root, privateFolder);
        Directory.CreateDirectory(privateFolder);
        var patched = Path.Combine(privateFolder, Library);
        var temp = $"{patched}.{Environment.ProcessId}.tmp";   // renamed into place, so a concurrent run never loads half a file
        File.Copy(original, temp, overwrite: true);
        ElfVersionNeeds.MarkWeak(temp, MissingVersion);
        File.Move(temp, patched, overwrite: true);
        var shim = BuildShim(privateFolder);
        // Global, so the symbol is in the scope the dynamic linker searches for the patched copy's references;
        // NativeLibrary.Load opens libraries locally.
        if (DlOpen(shim, RtldNow | RtldGlobal) == IntPtr.Zero)
            throw new DllNotFoundException($"{shim}: {Marshal.PtrToStringUTF8(DlError())}");
        NativeLibrary.Load(patched);
        return $"a patched copy, {Path.GetRelativePath(root, patched)}, as the shipped one does not load here ({failure}): " +
               $"the copy's need of {MissingVersion} is marked weak, and {Shim} beside it supplies std::ios_base_library_init, " +
               "the one symbol it needs of that version";
    }

    /// <summary>The files of libLibTorchSharp.so this process has mapped, from /proc/self/maps: after TorchSharp's
    /// first use, the proof of which copy it runs on.</summary>
    public static string[] Mapped() => File.ReadLines("/proc/self/maps")
        .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Where(fields => fields.Length >= 6 && fields[5].EndsWith("/" + Library, StringComparison.Ordinal))
        .Select(fields => fields[5]).Distinct().ToArray();

    /// <summary>Compiles native/ios_base_library_init.cpp with g++ into <paramref name="folder"/>, unless a build
    /// newer than the source is there.</summary>
    private static string BuildShim(string folder)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "native", ShimSource);
        var shim = Path.Combine(folder, Shim);
        if (File.Exists(shim) && File.GetLastWriteTimeUtc(shim) >= File.GetLastWriteTimeUtc(source)) return shim;
        var temp = $"{shim}.{Environment.ProcessId}.tmp";
        var psi = new ProcessStartInfo("g++") { RedirectStandardError = true };
        foreach (var a in new[] { "-shared", "-fPIC", "-O2", "-o", temp, source }) psi.ArgumentList.Add(a);
        using var gxx = Process.Start(psi) ?? throw new InvalidOperationException("could not start g++ (Debian package g++)");
        var errors = gxx.StandardError.ReadToEnd();
        gxx.WaitForExit();
        if (gxx.ExitCode != 0) throw new InvalidOperationException($"g++ failed on {source}:\n{errors}");
        File.Move(temp, shim, overwrite: true);
        return shim;
    }
}
