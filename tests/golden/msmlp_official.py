"""Golden checkpoint for MS-MLP as the official code defines it (JegZheng/MS-MLP models/ms_mlp.py:
MixShiftBlock with torch.chunk groups, torch.roll shifts by SHIFT_DIST, per-group depthwise convolutions,
LayerNorm -> pwconv1 -> GELU -> pwconv2 -> gamma; PatchEmbed = conv + channels-last LayerNorm; head =
avgpool -> LayerNorm -> Linear), written out here in plain PyTorch. A tiny configuration keeps the file small;
its widths 12, 24, 48, 96 split as torch.chunk splits them (ceil(C / 5) per group, the last takes the rest), so
width 12 makes only four groups of 3 and width 24 groups of 5, 5, 5, 5, 4, as 96 makes 20, 20, 20, 20, 16.

Writes
    tests/golden/msmlp_tiny.weights.safetensors   the state dict, with the official key names
    tests/golden/msmlp_tiny.io.safetensors        input images, pooled features and logits

Regenerate (from the repository root) with Debian's PyTorch:
    /usr/bin/python3 tests/golden/msmlp_official.py
The C# side is tests/Research.Tests/Models/MsMlpTests.cs.
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


class MixShiftBlock(nn.Module):
    def __init__(self, dim, shift_size, shift_dist, mix_size, layer_scale_init_value=1e-6, mlp_ratio=4):
        super().__init__()
        self.shift_size, self.shift_dist = shift_size, shift_dist
        chunk = [c.shape[0] for c in torch.chunk(torch.zeros(dim), shift_size)]
        self.dwconv_lr = nn.ModuleList([nn.Conv2d(c, c, k, padding=k // 2, groups=c) for c, k in zip(chunk, mix_size)])
        self.dwconv_td = nn.ModuleList([nn.Conv2d(c, c, k, padding=k // 2, groups=c) for c, k in zip(chunk, mix_size)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, int(mlp_ratio * dim))
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(int(mlp_ratio * dim), dim)
        self.gamma = nn.Parameter(layer_scale_init_value * torch.ones(dim))

    def forward(self, x):
        xs = torch.chunk(x, self.shift_size, 1)
        lr = [conv(torch.roll(c, s, 3)) for c, s, conv in zip(xs, self.shift_dist, self.dwconv_lr)]
        td = [conv(torch.roll(c, s, 2)) for c, s, conv in zip(xs, self.shift_dist, self.dwconv_td)]
        y = (torch.cat(lr, 1) + torch.cat(td, 1)).permute(0, 2, 3, 1)
        y = self.gamma * self.pwconv2(self.act(self.pwconv1(self.norm(y))))
        return x + y.permute(0, 3, 1, 2)


class PatchEmbed(nn.Module):
    def __init__(self, patch, in_chans, dim):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, patch, stride=patch)
        self.norm = nn.LayerNorm(dim, eps=1e-6)

    def forward(self, x):
        return self.norm(self.proj(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class BasicLayer(nn.Module):
    def __init__(self, dim, depth, mix_size, last):
        super().__init__()
        self.blocks = nn.ModuleList([MixShiftBlock(dim, 5, [-2, -1, 0, 1, 2], mix_size) for _ in range(depth)])
        self.downsample = None if last else PatchEmbed(2, dim, 2 * dim)

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x if self.downsample is None else self.downsample(x)


class MsMlp(nn.Module):
    def __init__(self, embed_dim, depths, mix_size, num_classes):
        super().__init__()
        self.patch_embed = PatchEmbed(4, 3, embed_dim)
        self.layers = nn.ModuleList([BasicLayer(embed_dim * 2 ** i, d, mix_size[i], i == len(depths) - 1) for i, d in enumerate(depths)])
        self.norm = nn.LayerNorm(embed_dim * 2 ** (len(depths) - 1), eps=1e-6)
        self.head = nn.Linear(embed_dim * 2 ** (len(depths) - 1), num_classes)

    def forward(self, x):
        x = self.patch_embed(x)
        for layer in self.layers:
            x = layer(x)
        pooled = self.norm(x.mean((2, 3)))
        return pooled, self.head(pooled)


def main():
    gen = torch.Generator().manual_seed(20240603)
    mix = [[1, 1, 3, 5, 7], [1, 3, 3, 5, 7], [1, 5, 5, 5, 7], [1, 7, 7, 7, 7]]
    model = MsMlp(12, [1, 2, 1, 1], mix, 6)
    with torch.no_grad():
        for name, p in model.named_parameters():
            base = 1.0 if name.endswith("norm.weight") else 0.0
            p.copy_(base + 0.3 * torch.randn(p.shape, generator=gen))
    model.eval()
    x = torch.randn((2, 3, 64, 64), generator=gen)
    with torch.no_grad():
        pooled, logits = model(x)
    meta = {"config": json.dumps({"EmbedDim": 12, "Depths": [1, 2, 1, 1], "NumClasses": 6, "ImageSize": 64})}
    safetensors_io.save(os.path.join(HERE, "msmlp_tiny.weights.safetensors"), model.state_dict(), meta)
    safetensors_io.save(os.path.join(HERE, "msmlp_tiny.io.safetensors"), {"input": x, "pre_logits": pooled, "logits": logits}, meta)
    print(f"msmlp_tiny: {sum(p.numel() for p in model.parameters())} parameters, logits {tuple(logits.shape)}")


if __name__ == "__main__":
    main()
