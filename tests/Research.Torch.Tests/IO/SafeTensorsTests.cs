using System.Buffers.Binary;
using static Research.Torch.torch;

namespace Research.Torch.Tests;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("safetensors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FilesWrittenByPythonLoadByName()
    {
        // torch_ops.safetensors is written by tests/golden/safetensors_io.py from PyTorch tensors.
        var loaded = SafeTensors.Load(Repo.Golden("torch_ops.safetensors"), out var metadata);
        try
        {
            Assert.Equal("tests/golden/torch_ops.py", metadata["script"]);
            Assert.Equal(ScalarType.Float64, loaded["linear.input0"].dtype);
            Assert.Equal(new long[] { 4, 5 }, loaded["linear.input0"].shape);
            Assert.Equal(ScalarType.Int64, loaded["rng.randint"].dtype);
        }
        finally { foreach (var t in loaded.Values) t.Dispose(); }
    }

    [Fact]
    public void RoundTripKeepsDtypesShapesAndValues()
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["a.weight"] = randn(3, 4),
            ["b"] = arange(5),
            ["c"] = tensor(new[] { true, false }),
            ["d"] = randn([2, 2], float64),
            ["empty"] = zeros(0, 3),
            ["scalar"] = tensor(2.5),
        };
        var path = Path.Combine(_dir, "x.safetensors");
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var back = SafeTensors.Load(path, out var meta);
        Assert.Equal("pt", meta["format"]);
        foreach (var (k, v) in tensors)
        {
            Assert.Equal(v.dtype, back[k].dtype);
            Assert.True(v.equal(back[k]), k);
            back[k].Dispose();
        }
    }

    [Fact]
    public void TruncatedFileNamesFileAndEntry()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_dir, "t.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = randn(10, 10) });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^7]);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("'w'", e.Message);
    }

    [Fact]
    public void CorruptHeaderIsReported()
    {
        var path = Path.Combine(_dir, "bad.safetensors");
        var bytes = new byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1_000_000);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("header claims", Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path)).Message);

        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 16);
        "{not json"u8.CopyTo(bytes.AsSpan(8));
        File.WriteAllBytes(path, bytes);
        var notJson = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path)).Message;
        Assert.True(notJson.Contains("not valid JSON"), notJson);

        Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(Path.Combine(_dir, "missing.safetensors")));
    }

    [Fact]
    public void FailedWriteLeavesThePreviousFileAndNoTemporaries()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_dir, "keep.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = ones(3) });
        var good = File.ReadAllBytes(path);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100]);
            throw new InvalidOperationException("crash mid-write");
        }));
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));
    }
}
