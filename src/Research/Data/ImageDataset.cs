namespace Research.Data;

/// <summary>Which part of a dataset: the training images or the held-out test images.</summary>
public enum Split { Train, Test }

/// <summary>Per-channel statistics of the training images in [0, 1], used as
/// x̂ = (x / 255 − mean[c]) / std[c].</summary>
public sealed record Normalization(float[] Mean, float[] Std)
{
    /// <summary>The identity: mean 0, std 1 for <paramref name="channels"/> channels.</summary>
    public static Normalization None(int channels) => new(new float[channels], Enumerable.Repeat(1f, channels).ToArray());
}

/// <summary>Images and labels held in memory as bytes, <c>[N, C, H, W]</c> row-major with values 0..255,
/// with the dataset's class names and normalisation statistics. Bytes keep CIFAR-10 at 150 MB rather than 600;
/// the loader converts each batch to float32 on the fly. Instances are immutable and may be shared
/// between loaders and threads.</summary>
public sealed class ImageDataset
{
    private readonly byte[] _pixels;
    private readonly byte[] _labels;

    /// <summary>Builds a dataset from <paramref name="pixels"/> <c>[N, C, H, W]</c> and <paramref name="labels"/> <c>[N]</c>;
    /// every label must be below the number of class names.</summary>
    public ImageDataset(string name, Split split, byte[] pixels, byte[] labels, int channels, int height, int width,
        IReadOnlyList<string> classNames, Normalization normalization, string? identity = null)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"{name}: image shape [{channels}, {height}, {width}] must be positive");
        long per = (long)channels * height * width;
        if (pixels.LongLength != per * labels.LongLength)
            throw new ArgumentException($"{name}: {pixels.LongLength} pixel bytes do not hold {labels.LongLength} images of [{channels}, {height}, {width}]");
        if (normalization.Mean.Length != channels || normalization.Std.Length != channels)
            throw new ArgumentException($"{name}: normalisation has {normalization.Mean.Length} means and {normalization.Std.Length} stds for {channels} channels");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classNames.Count)
                throw new ArgumentException($"{name}: label {labels[i]} of image {i} is not below the {classNames.Count} classes");
        (Name, Split, _pixels, _labels, Channels, Height, Width, ClassNames, Normalization) =
            (name, split, pixels, labels, channels, height, width, classNames, normalization);
        Identity = identity ?? $"{name}/{split.ToString().ToLowerInvariant()}";
        _fingerprint = new Lazy<string>(ComputeFingerprint);
    }

    private readonly Lazy<string> _fingerprint;

    /// <summary>Where the images came from and what was taken of them, as a reader would say it:
    /// <c>fashion-mnist/train, class-balanced 20% (seed 0)</c>. Run keys hold it beside the <see cref="Fingerprint"/>.</summary>
    public string Identity { get; }

    /// <summary>16 hex digits of SHA-256 over the shape, the labels and the pixels: two datasets with the same
    /// fingerprint hold the same images, whatever their names say (a different release of the files changes it).</summary>
    public string Fingerprint => _fingerprint.Value;

    private string ComputeFingerprint()
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{Count} {Channels} {Height} {Width} {NumClasses}\n"));
        hash.AppendData(_labels);
        hash.AppendData(_pixels);
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    public string Name { get; }
    public Split Split { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int NumClasses => ClassNames.Count;
    public Normalization Normalization { get; }

    /// <summary>Number of images.</summary>
    public int Count => _labels.Length;

    /// <summary>Bytes per image: C·H·W.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>All pixels, <c>[N, C, H, W]</c> bytes; read-only by convention (shared, never copied).</summary>
    public ReadOnlySpan<byte> Pixels => _pixels;

    /// <summary>All labels, <c>[N]</c>.</summary>
    public ReadOnlySpan<byte> Labels => _labels;

    /// <summary>The bytes of image <paramref name="index"/>, <c>[C, H, W]</c>.</summary>
    public ReadOnlySpan<byte> Image(int index) => _pixels.AsSpan(index * ImageSize, ImageSize);

    public int Label(int index) => _labels[index];

    /// <summary>Image <paramref name="index"/> as floats in [0, 1], <c>[C, H, W]</c>: for showing, not for training.</summary>
    public float[] ImageAsFloats(int index)
    {
        var src = Image(index);
        var result = new float[src.Length];
        for (int i = 0; i < src.Length; i++) result[i] = src[i] / 255f;
        return result;
    }

    /// <summary>Images per class, indexed by label.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[NumClasses];
        foreach (var l in _labels) counts[l]++;
        return counts;
    }

    /// <summary>The images at <paramref name="indices"/>, in that order (a copy).</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices, string? name = null) =>
        Subset(indices, name, $"{Identity}, {indices.Count} chosen images");

    /// <summary>The first <paramref name="count"/> images (all of them when there are fewer): a capped test set.</summary>
    public ImageDataset First(int count) =>
        count >= Count ? this : Subset(Enumerable.Range(0, count).ToArray(), Name, $"{Identity}, first {count}");

    private ImageDataset Subset(IReadOnlyList<int> indices, string? name, string identity)
    {
        int size = ImageSize;
        var pixels = new byte[(long)indices.Count * size];
        var labels = new byte[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int j = indices[i];
            if ((uint)j >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"{Name}: index {j} is outside the {Count} images");
            _pixels.AsSpan(j * size, size).CopyTo(pixels.AsSpan(i * size, size));
            labels[i] = _labels[j];
        }
        return new ImageDataset(name ?? Name, Split, pixels, labels, Channels, Height, Width, ClassNames, Normalization, identity);
    }

    /// <summary>A class-balanced fraction of the images: from each class, the first ⌈fraction·n_class⌉ of a
    /// permutation seeded by <paramref name="seed"/>, kept in their original order. Budgets use it to train
    /// on less data without skewing the label distribution. A fraction of 1 returns this dataset.</summary>
    public ImageDataset Fraction(double fraction, int seed = 0)
    {
        if (fraction is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(fraction), $"{Name}: fraction must be in (0, 1], got {fraction}");
        if (fraction == 1) return this;
        var order = Enumerable.Range(0, Count).ToArray();
        new Random(seed).Shuffle(order);
        var counts = ClassCounts();
        var quota = counts.Select(c => (int)Math.Ceiling(fraction * c)).ToArray();
        var taken = new int[NumClasses];
        var keep = new List<int>();
        foreach (var i in order)
            if (taken[_labels[i]] < quota[_labels[i]])
            {
                taken[_labels[i]]++;
                keep.Add(i);
            }
        keep.Sort();
        return Subset(keep, Name, FormattableString.Invariant($"{Identity}, class-balanced {fraction:0.#####} (seed {seed})"));
    }

    /// <summary>Per-channel mean and standard deviation of the pixels in [0, 1], over every image.</summary>
    public Normalization ComputeStatistics()
    {
        var sum = new double[Channels];
        var sq = new double[Channels];
        int plane = Height * Width;
        for (int n = 0; n < Count; n++)
            for (int c = 0; c < Channels; c++)
            {
                var span = _pixels.AsSpan(n * ImageSize + c * plane, plane);
                long s = 0, s2 = 0;
                foreach (var b in span) { s += b; s2 += b * b; }
                sum[c] += s / 255.0;
                sq[c] += s2 / (255.0 * 255.0);
            }
        double total = (double)Count * plane;
        var mean = sum.Select(s => (float)(s / total)).ToArray();
        var std = sq.Select((s, c) => (float)Math.Sqrt(Math.Max(0, s / total - mean[c] * (double)mean[c]))).ToArray();
        return new Normalization(mean, std);
    }

    public override string ToString() =>
        $"{Name} ({Split.ToString().ToLowerInvariant()}): {Count} images [{Channels}, {Height}, {Width}], {NumClasses} classes";
}
