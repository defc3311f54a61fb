using Research.Torch.Native;

namespace Research.Torch.Tests;

/// <summary>Given places where the shim is missing or is not a library, when the locator loads, then its error names every
/// place tried with the reason, so a missing file and a broken library (or a missing libtorch) are told apart.</summary>
public sealed class NativeLibraryLocatorTests
{
    [Fact]
    public void Error_names_each_place_tried_and_why_it_failed()
    {
        var folder = Directory.CreateTempSubdirectory("locator-");
        try
        {
            var missing = Path.Combine(folder.FullName, "absent", "libresearch_native.so");
            var notALibrary = Path.Combine(folder.FullName, "libresearch_native.so");
            File.WriteAllText(notALibrary, "not an ELF file");
            var error = Assert.Throws<DllNotFoundException>(() => NativeLibraryLocator.Load([missing, notALibrary]));
            Assert.Contains($"{missing} (no such file)", error.Message);
            Assert.Contains(notALibrary + " (", error.Message);
            Assert.DoesNotContain($"{notALibrary} (no such file)", error.Message);
            Assert.Contains("RESEARCH_NATIVE", error.Message);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void An_explicit_RESEARCH_NATIVE_comes_first()
    {
        Assert.Equal("/chosen/libresearch_native.so", NativeLibraryLocator.Candidates(typeof(torch).Assembly, "/chosen/libresearch_native.so").First());
        var folder = Path.GetTempPath();
        Assert.Equal(Path.Combine(folder, "libresearch_native.so"), NativeLibraryLocator.Candidates(typeof(torch).Assembly, folder).First());
        Assert.EndsWith(Path.Combine("build", "native", "libresearch_native.so"), NativeLibraryLocator.Candidates(typeof(torch).Assembly, null).Last());
    }
}
