using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;

namespace Research.Models.Layers;

/// <summary>The MLP classifier of ConvFormer and CAFormer (timm's metaformer <c>MlpHead</c>) on pooled features
/// <c>[B, C]</c>: <c>fc2(drop(norm(SquaredReLU(fc1 x))))</c>, fc1: C -> ratio·C, LayerNorm (eps 1e-6) on the hidden
/// width, fc2: ratio·C -> classes. Keys fc1, norm, fc2.</summary>
public sealed class MlpHead : nn.Module<Tensor, Tensor>
{
    public readonly Linear fc1;
    public readonly nn.Module<Tensor, Tensor> act;
    public readonly LayerNorm norm;
    public readonly Linear fc2;
    public readonly Dropout head_drop;

    public MlpHead(long dim, long numClasses, double mlpRatio = 4, double dropRate = 0, bool bias = true)
    {
        long hidden = (long)(mlpRatio * dim);
        fc1 = new Linear(dim, hidden, bias);
        act = new SquaredReLU();
        norm = new LayerNorm(hidden, 1e-6);
        fc2 = new Linear(hidden, numClasses, bias);
        head_drop = new Dropout(dropRate);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.forward(head_drop.forward(norm.forward(act.forward(fc1.forward(x))))).MoveToOuterDisposeScope();
    }
}
