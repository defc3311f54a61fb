using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Research.Bench.TorchSharp;

/// <summary>Reads a safetensors file, as the kit writes its checkpoints, into TorchSharp tensors (TorchSharp reads
/// only its own format): an 8-byte little-endian header length, a JSON header giving each tensor's dtype, shape and
/// [begin, end) byte range of the data that follows, then the raw little-endian data. Float32 only, all the kit's
/// weights and logits are.</summary>
internal static class SafeTensorsReader
{
    public static Dictionary<string, Tensor> Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new InvalidDataException($"{path}: shorter than the 8-byte header length");
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > bytes.Length - 8) throw new InvalidDataException($"{path}: the header claims {headerLength} bytes of {bytes.Length - 8}");
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        long dataStart = 8 + headerLength;
        var tensors = new Dictionary<string, Tensor>();
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__") continue;
            var dtype = entry.Value.GetProperty("dtype").GetString();
            if (dtype != "F32") throw new InvalidDataException($"{path}: tensor '{entry.Name}' is {dtype}; only F32 is read");
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var range = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            long begin = dataStart + range[0], end = dataStart + range[1];
            if (end > bytes.Length || end - begin != shape.Aggregate(4L, (n, d) => n * d))
                throw new InvalidDataException($"{path}: tensor '{entry.Name}' has bytes [{range[0]}, {range[1]}) for shape [{string.Join(", ", shape)}]");
            var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)begin, (int)(end - begin))).ToArray();
            tensors[entry.Name] = tensor(values, shape);
        }
        return tensors;
    }
}
