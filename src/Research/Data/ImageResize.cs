using static Research.Torch.torch;

namespace Research.Data;

/// <summary>Datasets at another image size, for experiments on input resolution (S2-MLP Tables 8-9, Mixer's fine-tuning
/// at a higher resolution).</summary>
public static class ImageResize
{
    /// <summary>Every image of <paramref name="dataset"/> at <paramref name="height"/> × <paramref name="width"/>: area
    /// averaging (<c>adaptive_avg_pool2d</c>) when neither side grows, so no pixel is skipped, else bilinear
    /// interpolation (<c>align_corners = false</c>). Pixels are rounded back to bytes, as the loader expects. Labels,
    /// class names and the normalisation are the source's: the statistics of the original images, so every size of one
    /// dataset is normalised alike. The identity says the size (<c>fashion-mnist/train, …, resized to 16x16</c>); the
    /// same size returns <paramref name="dataset"/>.</summary>
    public static ImageDataset Resized(this ImageDataset dataset, int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"{dataset.Name}: size {height}x{width} must be positive");
        if (height == dataset.Height && width == dataset.Width) return dataset;
        int c = dataset.Channels, per = dataset.ImageSize, perResized = c * height * width;
        bool shrink = height <= dataset.Height && width <= dataset.Width;
        var pixels = new byte[(long)dataset.Count * perResized];
        const int Chunk = 2048;
        for (int start = 0; start < dataset.Count; start += Chunk)
        {
            int n = Math.Min(Chunk, dataset.Count - start);
            var raw = new float[n * per];
            var source = dataset.Pixels.Slice(start * per, n * per);
            for (int i = 0; i < raw.Length; i++) raw[i] = source[i];
            using var scope = NewDisposeScope();
            var x = tensor(raw, [n, c, dataset.Height, dataset.Width]);                                   // [B, C, H, W]
            var y = shrink ? nn.functional.adaptive_avg_pool2d(x, [height, width])
                : nn.functional.interpolate(x, size: [height, width], mode: "bilinear", align_corners: false);   // [B, C, h, w]
            var values = y.round().clamp(0, 255).data<float>();
            for (int i = 0; i < values.Length; i++) pixels[(long)start * perResized + i] = (byte)values[i];
        }
        return new ImageDataset(dataset.Name, dataset.Split, pixels, dataset.Labels.ToArray(), c, height, width, dataset.ClassNames,
            dataset.Normalization, $"{dataset.Identity}, resized to {height}x{width}");
    }

    /// <summary>Square images of side <paramref name="side"/>; see <see cref="Resized(ImageDataset, int, int)"/>.</summary>
    public static ImageDataset Resized(this ImageDataset dataset, int side) => dataset.Resized(side, side);
}
