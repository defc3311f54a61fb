using Research.Experiments;
using System.Collections.Concurrent;
using Research.Torch;
using static Research.Torch.torch;

namespace Research.Data;

/// <summary>How a <see cref="DataLoader"/> batches: size, order, augmentation and prefetching.</summary>
public sealed record LoaderOptions
{
    public int BatchSize { get; init; } = 128;

    /// <summary>Shuffle each epoch with a <see cref="Random"/> seeded from (<see cref="Seed"/>, epoch), so any epoch's
    /// order can be rebuilt after a resume.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Drop the last incomplete batch (training); keep it (evaluation).</summary>
    public bool DropLast { get; init; } = true;

    [NotInRunKey("a cached run sets it to the run's seed, which the key holds")]
    public int Seed { get; init; }

    public Augmentation Augment { get; init; } = Augmentation.None;

    /// <summary>Batches prepared ahead on a background thread; 0 prepares each on the caller's thread.</summary>
    [NotInRunKey("how far ahead batches are prepared, not which")]
    public int Prefetch { get; init; } = 4;

    /// <summary>In a data-parallel run, this rank's share of every epoch (null: the whole epoch). Augmentations
    /// are then drawn per rank too, so the ranks' crops and flips are independent.</summary>
    public DistributedSampler? Sampler { get; init; }

    /// <summary>Batches in page-locked host memory, so the copy to a GPU can run beside the step
    /// (<c>to(cuda, non_blocking: true)</c>), as PyTorch's <c>pin_memory=True</c>. Null: pinned when CUDA is available.</summary>
    [NotInRunKey("where batches wait before the copy to a device, not their values")]
    public bool? PinMemory { get; init; }

    /// <summary>Evaluation settings: dataset order, every image, normalisation only.</summary>
    public static LoaderOptions Eval(int batchSize = 256) => new() { BatchSize = batchSize, Shuffle = false, DropLast = false };
}

/// <summary>One batch: images <c>[B, C, H, W]</c> float32, labels <c>[B]</c> int64 and, when the batch was mixed,
/// soft targets <c>[B, K]</c> float32 (rows sum to 1). The tensors belong to the batch: dispose it after the step
/// (or create it inside a dispose scope).</summary>
public sealed class Batch : IDisposable
{
    internal Batch(Tensor images, Tensor labels, Tensor? targets, int epoch, int index)
    {
        (Images, Labels, Targets, Epoch, Index) = (images, labels, targets, epoch, index);
    }

    public Tensor Images { get; }
    public Tensor Labels { get; }
    public Tensor? Targets { get; }
    public int Epoch { get; }

    /// <summary>Position of the batch within its epoch.</summary>
    public int Index { get; }

    public int Size => (int)Labels.size(0);

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
        Targets?.Dispose();
    }
}

/// <summary>Batches from an <see cref="ImageDataset"/>. All randomness (order, crops, flips, mixing) comes from
/// .NET generators seeded from (seed, epoch) and (seed, epoch, batch), never from libtorch's generator, so a
/// batch is the same whether it is prepared ahead or not, and the same after a resume. Pixels are converted and
/// augmented on a background thread into float buffers; the caller's thread only copies a finished buffer into a
/// tensor, so tensors join the caller's dispose scope.</summary>
public sealed class DataLoader
{
    private readonly float[][] _lut;
    private readonly ConcurrentBag<float[]> _imagePool = new();
    private readonly bool _pin;

    public DataLoader(ImageDataset dataset, LoaderOptions? options = null)
    {
        Dataset = dataset;
        Options = options ?? new LoaderOptions();
        if (Options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"DataLoader: BatchSize must be positive, got {Options.BatchSize}");
        if (Options.Prefetch < 0) throw new ArgumentOutOfRangeException(nameof(options), "DataLoader: Prefetch must be >= 0");
        Options.Augment.Validate();
        Options.Sampler?.Validate();
        if (Options.DropLast && SamplesPerEpoch < Options.BatchSize)
            throw new ArgumentException($"DataLoader: {dataset.Name} has {SamplesPerEpoch} images{(Options.Sampler is { } s ? $" for rank {s.Rank} of {s.NumReplicas}" : "")}, " +
                $"fewer than one batch of {Options.BatchSize} with DropLast");
        // Byte -> normalised float per channel: one table lookup per pixel.
        var norm = Options.Augment.Normalize ? dataset.Normalization : Normalization.None(dataset.Channels);
        _lut = Enumerable.Range(0, dataset.Channels)
            .Select(c => Enumerable.Range(0, 256).Select(b => (b / 255f - norm.Mean[c]) / norm.Std[c]).ToArray()).ToArray();
        _pin = Options.PinMemory ?? cuda.is_available();
    }

    public ImageDataset Dataset { get; }
    public LoaderOptions Options { get; }

    /// <summary>Images this loader draws from per epoch: the dataset, or this rank's shard of it.</summary>
    public int SamplesPerEpoch => Options.Sampler?.NumSamples(Dataset.Count) ?? Dataset.Count;

    /// <summary>Batches in one epoch: ⌊N/B⌋ with DropLast, else ⌈N/B⌉, N counting this rank's shard only.</summary>
    public int BatchesPerEpoch => Options.DropLast ? SamplesPerEpoch / Options.BatchSize : (SamplesPerEpoch + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>Images per epoch actually served.</summary>
    public int ImagesPerEpoch => Options.DropLast ? BatchesPerEpoch * Options.BatchSize : SamplesPerEpoch;

    /// <summary>The dataset indices of epoch <paramref name="epoch"/> in the order they are served (this rank's shard
    /// of the epoch's order, with a sampler).</summary>
    public int[] EpochOrder(int epoch)
    {
        var order = Enumerable.Range(0, Dataset.Count).ToArray();
        if (Options.Shuffle) new Random(Sampling.Seed(Options.Seed, epoch)).Shuffle(order);
        return Options.Sampler?.Shard(order) ?? order;
    }

    /// <summary>The batches of epoch <paramref name="epoch"/> from batch <paramref name="startBatch"/> on (a resume
    /// starts mid-epoch). Abandoning the enumeration stops the background thread; an error there is rethrown here.</summary>
    public IEnumerable<Batch> Epoch(int epoch, int startBatch = 0, CancellationToken cancellationToken = default)
    {
        if (startBatch < 0 || startBatch > BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(startBatch), $"DataLoader: batch {startBatch} is outside 0..{BatchesPerEpoch}");
        var order = EpochOrder(epoch);
        if (Options.Prefetch == 0)
        {
            for (int b = startBatch; b < BatchesPerEpoch; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return ToTensors(Prepare(order, epoch, b));
            }
            yield break;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var queue = new BlockingCollection<HostBatch>(Options.Prefetch);
        var producer = Task.Factory.StartNew(() =>
        {
            try
            {
                for (int b = startBatch; b < BatchesPerEpoch && !stop.IsCancellationRequested; b++)
                    queue.Add(Prepare(order, epoch, b), stop.Token);
            }
            finally { queue.CompleteAdding(); }
        }, stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            foreach (var host in queue.GetConsumingEnumerable(cancellationToken))
                yield return ToTensors(host);
            producer.GetAwaiter().GetResult();   // rethrows what failed on the background thread
        }
        finally
        {
            stop.Cancel();
            try { producer.Wait(); } catch (AggregateException) { }
        }
    }

    /// <summary>A batch prepared on the host: pixels ready for the model, labels, optional soft targets.</summary>
    private sealed record HostBatch(float[] Images, long[] Labels, float[]? Targets, int Epoch, int Index);

    private static Tensor Pinned(Tensor pageable)
    {
        using (pageable) return pageable.pin_memory();
    }

    private Batch ToTensors(HostBatch h)
    {
        var ds = Dataset;
        int n = h.Labels.Length;
        var images = tensor(h.Images, [n, ds.Channels, ds.Height, ds.Width]);
        var labels = tensor(h.Labels);
        var targets = h.Targets is null ? null : tensor(h.Targets, [n, ds.NumClasses]);
        if (h.Images.Length == Options.BatchSize * ds.ImageSize) _imagePool.Add(h.Images);
        if (_pin) (images, labels, targets) = (Pinned(images), Pinned(labels), targets is null ? null : Pinned(targets));
        return new Batch(images, labels, targets, h.Epoch, h.Index);
    }

    private HostBatch Prepare(int[] order, int epoch, int index)
    {
        var ds = Dataset;
        var aug = Options.Augment;
        int start = index * Options.BatchSize;
        int n = Math.Min(Options.BatchSize, order.Length - start);
        int size = ds.ImageSize;
        var images = n == Options.BatchSize && _imagePool.TryTake(out var pooled) ? pooled : new float[n * size];
        var labels = new long[n];
        var rng = new Random(Options.Sampler is { } s ? Sampling.Seed(Options.Seed, epoch, index, s.Rank) : Sampling.Seed(Options.Seed, epoch, index));
        for (int i = 0; i < n; i++)
        {
            int j = order[start + i];
            labels[i] = ds.Label(j);
            int ox = 0, oy = 0;
            if (aug.CropPadding > 0)
            {
                ox = rng.Next(2 * aug.CropPadding + 1) - aug.CropPadding;
                oy = rng.Next(2 * aug.CropPadding + 1) - aug.CropPadding;
            }
            bool flip = aug.HorizontalFlip && rng.Next(2) == 1;
            Transform(ds.Image(j), images.AsSpan(i * size, size), ox, oy, flip);
        }
        float[]? targets = null;
        if (aug.Mixes && rng.NextDouble() < aug.MixProbability)
            targets = Mix(images, labels, n, rng);
        return new HostBatch(images, labels, targets, epoch, index);
    }

    // out[c, y, x] = lut[c][src[c, y + oy, x' + ox]] with x' = W−1−x when flipped; outside the image reads the
    // zero padding (byte 0), as a crop of the padded image would.
    private void Transform(ReadOnlySpan<byte> src, Span<float> dst, int ox, int oy, bool flip)
    {
        int h = Dataset.Height, w = Dataset.Width;
        for (int c = 0; c < Dataset.Channels; c++)
        {
            var lut = _lut[c];
            float pad = lut[0];
            var plane = src.Slice(c * h * w, h * w);
            var outPlane = dst.Slice(c * h * w, h * w);
            if (ox == 0 && oy == 0 && !flip)
            {
                for (int k = 0; k < plane.Length; k++) outPlane[k] = lut[plane[k]];
                continue;
            }
            for (int y = 0; y < h; y++)
            {
                int sy = y + oy;
                var row = outPlane.Slice(y * w, w);
                if ((uint)sy >= (uint)h)
                {
                    row.Fill(pad);
                    continue;
                }
                var srcRow = plane.Slice(sy * w, w);
                for (int x = 0; x < w; x++)
                {
                    int sx = (flip ? w - 1 - x : x) + ox;
                    row[x] = (uint)sx < (uint)w ? lut[srcRow[sx]] : pad;
                }
            }
        }
    }

    private float[] Mix(float[] images, long[] labels, int n, Random rng)
    {
        var aug = Options.Augment;
        int k = Dataset.NumClasses, size = Dataset.ImageSize, h = Dataset.Height, w = Dataset.Width, plane = h * w;
        bool cutmix = aug.CutmixAlpha > 0 && (aug.MixupAlpha <= 0 || rng.NextDouble() < aug.CutmixProbability);
        double lambda = Sampling.Beta(rng, cutmix ? aug.CutmixAlpha : aug.MixupAlpha, cutmix ? aug.CutmixAlpha : aug.MixupAlpha);
        var original = images.AsSpan(0, n * size).ToArray();   // the partners must be read before they are overwritten
        if (cutmix)
        {
            double cut = Math.Sqrt(1 - lambda);
            int ch = (int)(h * cut), cw = (int)(w * cut);
            int cy = rng.Next(h), cx = rng.Next(w);
            int y0 = Math.Clamp(cy - ch / 2, 0, h), y1 = Math.Clamp(cy + ch / 2, 0, h);
            int x0 = Math.Clamp(cx - cw / 2, 0, w), x1 = Math.Clamp(cx + cw / 2, 0, w);
            for (int i = 0; i < n; i++)
            {
                int j = n - 1 - i;
                for (int c = 0; c < Dataset.Channels; c++)
                    for (int y = y0; y < y1; y++)
                        original.AsSpan(j * size + c * plane + y * w + x0, x1 - x0).CopyTo(images.AsSpan(i * size + c * plane + y * w + x0, x1 - x0));
            }
            lambda = 1 - (double)(y1 - y0) * (x1 - x0) / plane;
        }
        else
        {
            float l = (float)lambda, m = 1 - l;
            for (int i = 0; i < n; i++)
            {
                int j = n - 1 - i;
                for (int e = 0; e < size; e++) images[i * size + e] = l * original[i * size + e] + m * original[j * size + e];
            }
        }
        var targets = new float[n * k];
        for (int i = 0; i < n; i++)
        {
            targets[i * k + labels[i]] += (float)lambda;
            targets[i * k + labels[n - 1 - i]] += (float)(1 - lambda);
        }
        return targets;
    }
}
