using System.Security.Cryptography;
using System.Text;
using Research.Torch;

namespace Research.Experiments;

/// <summary>The version of the code that computes results, derived from what was built rather than typed by hand: a
/// SHA-256 over the bytes of the kit's computing assemblies (the library and the tensor layer), the native shim, and
/// the names of the libtorch objects it linked. Any change to that code changes it, so a cached run is never served
/// to a build it did not come from. The builds are made path-independent (PathMap and -ffile-prefix-map), so two
/// clones of one commit agree.</summary>
public static class CodeVersion
{
    private static readonly Lazy<string> CurrentLazy = new(Compute);

    /// <summary>The first 16 hex digits of the hash.</summary>
    public static string Current => CurrentLazy.Value;

    /// <summary>The files the version is computed from, in order.</summary>
    public static IReadOnlyList<string> Files =>
        [typeof(CodeVersion).Assembly.Location, typeof(torch).Assembly.Location, NativeLibraryInfo.ShimPath];

    private static string Compute()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Files)
        {
            if (string.IsNullOrEmpty(file) || !File.Exists(file))
                throw new InvalidOperationException($"code version: cannot read '{file}' (an assembly loaded from memory has no file to hash)");
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\n"));
            hash.AppendData(File.ReadAllBytes(file));
        }
        foreach (var lib in NativeLibraryInfo.TorchLibraries) hash.AppendData(Encoding.UTF8.GetBytes(lib + "\n"));
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
