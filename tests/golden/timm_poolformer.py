"""Golden checkpoints for PoolFormer as timm defines it (timm/models/metaformer.py: Stem, Downsampling,
Scale, Pooling, MetaFormerBlock, MetaFormerStage, MetaFormer with the poolformer_* arguments:
no stem/downsample norm, GroupNorm(1) blocks, GELU 1x1-conv MLP with bias, LayerScale, no res-scale,
head = global pool -> LayerNorm2d(eps 1e-6) -> flatten -> Linear), written out here in plain PyTorch
because timm is not installed. Tiny configurations keep the files small.

For each case the script writes
    tests/golden/timm_<case>.weights.safetensors   the state dict, with timm's key names
    tests/golden/timm_<case>.io.safetensors        input images, pooled features and logits
Every parameter is drawn at random so the logits depend on every weight.

Regenerate (from the repository root) with Debian's PyTorch:
    /usr/bin/python3 tests/golden/timm_poolformer.py
The C# side is tests/Research.Tests/Models/TimmCheckpointTests.cs.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class Stem(nn.Module):
    def __init__(self, in_chs, out_chs):
        super().__init__()
        self.conv = nn.Conv2d(in_chs, out_chs, kernel_size=7, stride=4, padding=2)
        self.norm = nn.Identity()

    def forward(self, x):
        return self.norm(self.conv(x))


class Downsampling(nn.Module):
    def __init__(self, in_chs, out_chs):
        super().__init__()
        self.norm = nn.Identity()
        self.conv = nn.Conv2d(in_chs, out_chs, kernel_size=3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(self.norm(x))


class Scale(nn.Module):
    def __init__(self, dim, init_value):
        super().__init__()
        self.scale = nn.Parameter(init_value * torch.ones(dim))

    def forward(self, x):
        return x * self.scale.view(-1, 1, 1)


class Pooling(nn.Module):
    def __init__(self, pool_size=3):
        super().__init__()
        self.pool = nn.AvgPool2d(pool_size, stride=1, padding=pool_size // 2, count_include_pad=False)

    def forward(self, x):
        return self.pool(x) - x


class ConvMlp(nn.Module):
    """timm.layers.Mlp(use_conv=True): 1x1 conv fc1 -> GELU -> 1x1 conv fc2."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Conv2d(dim, hidden, 1)
        self.act = nn.GELU()
        self.fc2 = nn.Conv2d(hidden, dim, 1)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class MetaFormerBlock(nn.Module):
    def __init__(self, dim, layer_scale_init_value):
        super().__init__()
        self.norm1 = nn.GroupNorm(1, dim)  # timm GroupNorm1
        self.token_mixer = Pooling()
        self.layer_scale1 = Scale(dim, layer_scale_init_value)
        self.norm2 = nn.GroupNorm(1, dim)
        self.mlp = ConvMlp(dim, 4 * dim)
        self.layer_scale2 = Scale(dim, layer_scale_init_value)

    def forward(self, x):
        x = x + self.layer_scale1(self.token_mixer(self.norm1(x)))
        x = x + self.layer_scale2(self.mlp(self.norm2(x)))
        return x


class MetaFormerStage(nn.Module):
    def __init__(self, in_chs, out_chs, depth, ls):
        super().__init__()
        self.downsample = nn.Identity() if in_chs == out_chs else Downsampling(in_chs, out_chs)
        self.blocks = nn.Sequential(*[MetaFormerBlock(out_chs, ls) for _ in range(depth)])

    def forward(self, x):
        return self.blocks(self.downsample(x))


class LayerNorm2d(nn.LayerNorm):
    """timm.layers.LayerNorm2d: LayerNorm over C of an NCHW tensor."""

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class Head(nn.Module):
    def __init__(self, dim, num_classes):
        super().__init__()
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.norm = LayerNorm2d(dim, eps=1e-6)
        self.flatten = nn.Flatten(1)
        self.drop = nn.Identity()
        self.fc = nn.Linear(dim, num_classes)


class PoolFormer(nn.Module):
    def __init__(self, depths, dims, num_classes, ls):
        super().__init__()
        self.stem = Stem(3, dims[0])
        prev, stages = dims[0], []
        for d, c in zip(depths, dims):
            stages.append(MetaFormerStage(prev, c, d, ls))
            prev = c
        self.stages = nn.Sequential(*stages)
        self.head = Head(dims[-1], num_classes)

    def forward(self, x):
        x = self.stages(self.stem(x))
        h = self.head
        pooled = h.drop(h.flatten(h.norm(h.global_pool(x))))
        return pooled, h.fc(pooled)


def randomise(model, gen):
    with torch.no_grad():
        for name, p in model.named_parameters():
            base = 1.0 if name.endswith(("norm1.weight", "norm2.weight", "norm.weight")) else 0.0
            p.copy_(base + 0.3 * torch.randn(p.shape, generator=gen))


def write_case(name, model, config, img_size, gen):
    randomise(model, gen)
    model.eval()
    x = torch.randn((2, 3, img_size, img_size), generator=gen)
    with torch.no_grad():
        pooled, logits = model(x)
    meta = {"config": json.dumps(config)}
    safetensors_io.save(os.path.join(HERE, f"timm_{name}.weights.safetensors"), model.state_dict(), meta)
    safetensors_io.save(os.path.join(HERE, f"timm_{name}.io.safetensors"),
                        {"input": x, "pre_logits": pooled, "logits": logits}, meta)
    print(f"timm_{name}: {sum(p.numel() for p in model.parameters())} parameters, logits {tuple(logits.shape)}")


def main():
    gen = torch.Generator().manual_seed(20240602)
    # 64x64 images: stem to 16x16, then 8x8, 4x4, 2x2.
    write_case("poolformer_tiny", PoolFormer([1, 1, 2, 1], [8, 16, 24, 32], 5, 1e-5),
               {"Depths": [1, 1, 2, 1], "Dims": [8, 16, 24, 32], "NumClasses": 5, "ImageSize": 64}, 64, gen)
    # 48x48 images: stem to 12x12, then 6x6, 3x3 and an odd 2x2 (padding at the borders of every pooling).
    write_case("poolformer_tiny_s36ls", PoolFormer([1, 2, 1, 1], [8, 12, 16, 24], 7, 1e-6),
               {"Depths": [1, 2, 1, 1], "Dims": [8, 12, 16, 24], "NumClasses": 7, "ImageSize": 48}, 48, gen)


if __name__ == "__main__":
    main()
