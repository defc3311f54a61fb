using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;

namespace Research.Models.Layers;

/// <summary>How a 4-D activation is laid out: images <c>[B, C, H, W]</c>, or tokens on a grid <c>[B, H, W, C]</c>.</summary>
public enum Layout
{
    /// <summary><c>[B, C, H, W]</c>, as convolutions take it.</summary>
    ChannelsFirst,
    /// <summary><c>[B, H, W, C]</c>, as linear layers over channels take it.</summary>
    ChannelsLast,
}

/// <summary>The patch embedding of every family (timm's <c>PatchEmbed</c>, MetaFormer's <c>Stem</c> and
/// <c>Downsampling</c>, ViP's and S2-MLPv2's <c>Downsample</c>, CycleMLP's stage transitions, MS-MLP's patch merging): a
/// convolution with kernel p and stride s (s = p cuts the image into non-overlapping p x p patches, each flattened to
/// C·p² values and mapped by one fully-connected layer to D values, the same map with its weight reshaped to
/// <c>[D, C, p, p]</c>; s &lt; p overlaps them), and a norm: of the output, in the output's layout, or with
/// <c>normFirst</c> of the input, in the input's layout (timm's <c>Downsampling</c>). The layouts are options, so one
/// layer serves a stem (images in, tokens out), a downsampling between stages of tokens, and a channels-first pyramid.
/// Keys <c>proj</c> (or the <c>convKey</c> given: MetaFormer's <c>conv</c>) and <c>norm</c>.</summary>
public sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
    public readonly Conv2d proj;
    public readonly nn.Module<Tensor, Tensor> norm;

    private readonly Layout _input;
    private readonly Layout _output;
    private readonly bool _wholePatches;
    private readonly bool _normFirst;
    private readonly string _convKey;

    /// <param name="patchSize">p: the kernel side.</param>
    /// <param name="inChannels">Input channels C.</param>
    /// <param name="embedDim">Embedding width D.</param>
    /// <param name="norm">Normalisation of the output in the output's layout (S2-MLP: LayerNorm over D on tokens), or of the
    /// input in the input's layout with <paramref name="normFirst"/>; identity when null.</param>
    /// <param name="stride">The stride; p when null (non-overlapping patches).</param>
    /// <param name="padding">Zero padding on each side.</param>
    /// <param name="input">The layout of the input.</param>
    /// <param name="output">The layout of the output.</param>
    /// <param name="wholePatches">With non-overlapping patches, refuse an input whose side p does not divide (a
    /// convolution would silently drop the remainder).</param>
    /// <param name="normFirst">Normalise the input rather than the output (timm's MetaFormer <c>Downsampling</c>).</param>
    /// <param name="convKey">The state-dict name of the convolution: <c>proj</c> as timm's <c>PatchEmbed</c>, <c>conv</c>
    /// as timm's MetaFormer.</param>
    public PatchEmbed(long patchSize, long inChannels, long embedDim, nn.Module<Tensor, Tensor>? norm = null, long? stride = null, long padding = 0,
        Layout input = Layout.ChannelsFirst, Layout output = Layout.ChannelsLast, bool wholePatches = true, bool normFirst = false,
        string convKey = "proj")
    {
        PatchSize = patchSize;
        Stride = stride ?? patchSize;
        EmbedDim = embedDim;
        proj = new Conv2d(inChannels, embedDim, patchSize, Stride, padding);
        this.norm = norm ?? new Identity();
        (_input, _output) = (input, output);
        _wholePatches = wholePatches && Stride == patchSize && padding == 0;
        _normFirst = normFirst;
        _convKey = convKey;
    }

    /// <summary>p: the side of a patch (the kernel).</summary>
    public long PatchSize { get; }

    /// <summary>The step between patches.</summary>
    public long Stride { get; }

    /// <summary>D: the embedding width.</summary>
    public long EmbedDim { get; }

    /// <summary>Tokens per side for an image of <paramref name="imageSize"/> cut into whole patches; throws unless p divides it.</summary>
    public long GridSize(long imageSize) => imageSize % PatchSize == 0 ? imageSize / PatchSize
        : throw new ArgumentException($"PatchEmbed: image size {imageSize} is not a multiple of the patch size {PatchSize}");

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (_normFirst) x = norm.forward(x);
        var image = _input == Layout.ChannelsLast ? x.permute(0, 3, 1, 2) : x;     // [B, H, W, C] -> [B, C, H, W]
        if (_wholePatches)
        {
            GridSize(image.size(2));
            GridSize(image.size(3));
        }
        var y = proj.forward(image);                                              // [B, D, H', W']
        if (_output == Layout.ChannelsLast) y = y.permute(0, 2, 3, 1).contiguous();  // -> [B, H', W', D]
        if (!_normFirst) y = norm.forward(y);
        return y.MoveToOuterDisposeScope();
    }

    // The convolution's key is an option (timm names it proj in PatchEmbed and conv in MetaFormer), so the children
    // are named here rather than by the fields.
    public override IEnumerable<(string name, nn.Module module)> named_children()
    {
        yield return (_convKey, proj);
        yield return ("norm", norm);
    }

    public override string extra_repr() => $"patch_size={PatchSize}, stride={Stride}, embed_dim={EmbedDim}, {_input} -> {_output}";
}
