using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Tests.Training;

/// <summary>A two-layer MLP over flattened images, with dropout so that resume tests exercise libtorch's generator.</summary>
public sealed class TinyMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly Dropout drop;

    public TinyMlp(int inputs, int hidden, int classes, double dropout = 0.1)
    {
        fc1 = new Linear(inputs, hidden);
        fc2 = new Linear(hidden, classes);
        drop = new Dropout(dropout);
    }

    public override Tensor forward(Tensor x)
    {
        using var flat = x.flatten(1);           // [B, C, H, W] -> [B, C·H·W]
        using var h = fc1.forward(flat);
        using var a = F.gelu(h);
        using var d = drop.forward(a);
        return fc2.forward(d);
    }
}

/// <summary>A small CNN: two 3×3 convolutions, global average pooling, a linear classifier.</summary>
public sealed class TinyCnn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear head;

    public TinyCnn(int inChannels, int width, int classes)
    {
        conv1 = new Conv2d(inChannels, width, 3, padding: 1);
        conv2 = new Conv2d(width, width, 3, stride: 2, padding: 1);
        head = new Linear(width, classes);
    }

    public override Tensor forward(Tensor x)
    {
        using var a = F.relu(conv1.forward(x));
        using var b = F.relu(conv2.forward(a));
        using var pooled = b.mean([2L, 3L]);    // [B, C, H, W] -> [B, C]
        return head.forward(pooled);
    }
}

/// <summary>Mixes pixels only along rows (1×k convolutions), then averages over all positions: its output is
/// unchanged by any permutation of the image's rows, the property a horizontal-only spatial shift followed by
/// global pooling has.</summary>
public sealed class RowMixer : nn.Module<Tensor, Tensor>
{
    private readonly Parameter w1, b1, w2, b2, w3, b3;
    private readonly Linear head;
    private readonly long kernel;

    public RowMixer(int width, int classes, int kernel = 7, bool vertical = false)
    {
        this.kernel = kernel;
        Vertical = vertical;
        long[] k = vertical ? [kernel, 1] : [1, kernel];
        using var scope = NewDisposeScope();
        w1 = new Parameter(randn([width, 1, k[0], k[1]]) * Math.Sqrt(2.0 / kernel));
        w2 = new Parameter(randn([width, width, k[0], k[1]]) * Math.Sqrt(2.0 / (width * kernel)));
        w3 = new Parameter(randn([width, width, k[0], k[1]]) * Math.Sqrt(2.0 / (width * kernel)));
        b1 = new Parameter(zeros(width));
        b2 = new Parameter(zeros(width));
        b3 = new Parameter(zeros(width));
        head = new Linear(width, classes);
    }

    /// <summary>Mix along columns instead (the model that can solve the vertical task).</summary>
    public bool Vertical { get; }

    public override Tensor forward(Tensor x)
    {
        long p = kernel / 2;
        long[] pad = Vertical ? [p, 0] : [0, p];
        using var a = F.relu(F.conv2d(x, w1, b1, padding: pad));
        using var b = F.relu(F.conv2d(a, w2, b2, padding: pad));
        using var c = F.relu(F.conv2d(b, w3, b3, padding: pad));
        using var pooled = c.mean([2L, 3L]);    // [B, C, H, W] -> [B, C]
        return head.forward(pooled);
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "research-tests-" + Guid.NewGuid().ToString("N")[..12]);

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Tests that read process-wide state (live tensor counts, environment variables) run alone.</summary>
[CollectionDefinition("Serial", DisableParallelization = true)]
public sealed class SerialCollection;

/// <summary>The live native tensor count once the finalizers have run: tensors other tests dropped without
/// disposing would otherwise be freed mid-test and move the count.</summary>
public static class LiveTensorCount
{
    public static long Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return LiveTensors;
    }
}
