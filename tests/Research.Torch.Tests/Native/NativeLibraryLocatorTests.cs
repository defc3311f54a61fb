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
        var before = Environment.GetEnvironmentVariable("RESEARCH_NATIVE");
        try
        {
            Environment.SetEnvironmentVariable("RESEARCH_NATIVE", "/chosen/libresearch_native.so");
            Assert.Equal("/chosen/libresearch_native.so", NativeLibraryLocator.Candidates(typeof(torch).Assembly).First());
        }
        finally
        {
            Environment.SetEnvironmentVariable("RESEARCH_NATIVE", before);
        }
    }
}
