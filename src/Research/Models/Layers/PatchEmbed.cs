using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;

namespace Research.Models.Layers;

/// <summary>Non-overlapping patch embedding (timm's <c>PatchEmbed</c>): images <c>[B, C, H, W]</c> are cut into
/// p x p patches, each flattened to C·p² values and mapped by one fully-connected layer to
/// D = <c>embedDim</c> values, then normalised. The FC over flattened patches is computed as a
/// convolution with kernel = stride = p (the same map, the same parameters reshaped: <c>proj.weight</c>
/// <c>[D, C, p, p]</c>). Output channels-last <c>[B, H/p, W/p, D]</c>.</summary>
public sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
    public readonly Conv2d proj;
    public readonly nn.Module<Tensor, Tensor> norm;

    public long patchSize { get; }
    public long embedDim { get; }

    /// <param name="patchSize">p: the side of a patch and the stride.</param>
    /// <param name="inChannels">Image channels C.</param>
    /// <param name="embedDim">Embedding width D.</param>
    /// <param name="norm">Normalisation over the embedding (S2-MLP: LayerNorm); identity when null.</param>
    public PatchEmbed(long patchSize, long inChannels, long embedDim, nn.Module<Tensor, Tensor>? norm = null)
    {
        (this.patchSize, this.embedDim) = (patchSize, embedDim);
        proj = new Conv2d(inChannels, embedDim, patchSize, stride: patchSize);
        this.norm = norm ?? new Identity();
    }

    /// <summary>Tokens per side for an image of <paramref name="imageSize"/>; throws unless p divides it.</summary>
    public long GridSize(long imageSize) => imageSize % patchSize == 0 ? imageSize / patchSize
        : throw new ArgumentException($"PatchEmbed: image size {imageSize} is not a multiple of the patch size {patchSize}");

    public override Tensor forward(Tensor x)
    {
        GridSize(x.size(2));
        GridSize(x.size(3));
        using var y = proj.forward(x);                          // [B, D, H/p, W/p]
        using var tokens = y.permute(0, 2, 3, 1);                        // [B, D, H/p, W/p] -> [B, H/p, W/p, D]
        using var dense = tokens.contiguous();
        return norm.forward(dense);
    }
}

/// <summary>Patch merging between pyramid stages, on channels-last tokens (ViP's <c>Downsample</c>):
/// each p x p group of tokens <c>[B, H, W, C]</c> is mapped by one FC (a stride-p convolution) to
/// <c>[B, H/p, W/p, D]</c>.</summary>
public sealed class Downsample : nn.Module<Tensor, Tensor>
{
    public readonly Conv2d proj;

    public Downsample(long inDim, long outDim, long patchSize = 2) => proj = new Conv2d(inDim, outDim, patchSize, stride: patchSize);

    public override Tensor forward(Tensor x)
    {
        using var channelsFirst = x.permute(0, 3, 1, 2);                // [B, H, W, C] -> [B, C, H, W]
        using var y = proj.forward(channelsFirst);               // [B, D, H/p, W/p]
        using var tokens = y.permute(0, 2, 3, 1);                        // [B, D, H/p, W/p] -> [B, H/p, W/p, D]
        return tokens.contiguous();
    }
}
