"""Golden checkpoints for RaftMLP as the official code defines it (okojoalg/raft-mlp libs/modules.py:
Block, ChannelBlock, PermutedBlock, RaftShrink, RaftExpansion, CrossScaleMLPEmbedding, SerialPermutedLevel with
its bicubic resizing, and libs/models.py RaftMLP with shortcut: False), written out here in plain PyTorch. Debian
ships no einops, so `rearrange` below is a small interpreter of einops patterns: the layouts come from the
official pattern strings, not from the C# code's reshapes.

Cases (weights keep the official key names; the C# test maps them with RaftMlp.FromOfficialStateDict):
    raftmlp_v1_tiny: one stage, plain patch embedding (8x8 patches of 32x32 images), raft size 4
    raftmlp_v2_tiny: two stages with cross-scale embedding (kernels [4, 8] then [2, 4]), built for 32x32 and
                     also run on 36x36 images: stage 1's 9x9 grid is resized to its 8x8 for token mixing, and
                     stage 2's 9x9 input is first resized to 10x10 (not a multiple of its patch size 2)
For each: tests/golden/<case>.weights.safetensors and <case>.io.safetensors (inputs and logits).

Regenerate (from the repository root) with Debian's PyTorch:
    /usr/bin/python3 tests/golden/raftmlp_official.py
The C# side is tests/Research.Tests/Models/RaftMlpTests.cs.
"""
import json
import math
import os
import re
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def _groups(side):
    """'b (h w) c' -> [['b'], ['h', 'w'], ['c']]"""
    return [g.strip("()").split() for g in re.findall(r"\([^)]*\)|\S+", side)]


def rearrange(x, pattern, **sizes):
    """einops.rearrange for patterns of plain and parenthesised axis names."""
    left, right = (_groups(s.strip()) for s in pattern.split("->"))
    known = dict(sizes)
    for group, dim in zip(left, x.shape):
        missing = [a for a in group if a not in known]
        prod = math.prod(known[a] for a in group if a in known)
        if missing:
            known[missing[0]] = dim // prod
    axes = [a for g in left for a in g]
    x = x.reshape([known[a] for a in axes])
    order = [a for g in right for a in g]
    x = x.permute([axes.index(a) for a in order])
    return x.reshape([math.prod(known[a] for a in g) for g in right])


class Rearrange(nn.Module):
    def __init__(self, pattern, **sizes):
        super().__init__()
        self.pattern, self.sizes = pattern, sizes

    def forward(self, x):
        return rearrange(x, self.pattern, **self.sizes)


class Block(nn.Module):
    def __init__(self, dim, expansion_factor=4):
        super().__init__()
        self.norm = nn.Identity()
        self.fn = nn.Sequential(nn.Linear(dim, dim * expansion_factor), nn.GELU(), nn.Dropout(0.0),
                                nn.Linear(dim * expansion_factor, dim), nn.Dropout(0.0))

    def forward(self, x):
        return self.fn(self.norm(x)) + x


class ChannelBlock(Block):
    def __init__(self, dim, expansion_factor=4):
        super().__init__(dim, expansion_factor)
        self.norm = nn.LayerNorm(dim)


class PermutedBlock(Block):
    def __init__(self, spatial_dim, channels, raft_size, expansion_factor=2):
        super().__init__(spatial_dim * raft_size, expansion_factor)
        sizes = dict(c1=channels // raft_size, c2=raft_size, o2=spatial_dim)
        self.norm = nn.Sequential(Rearrange("b (c1 o1) (c2 o2) -> b (o1 o2) (c1 c2)", **sizes), nn.LayerNorm(channels),
                                  Rearrange("b (o1 o2) (c1 c2) -> b (c1 o1) (c2 o2)", **sizes))


class RaftShrink(nn.Module):
    def __init__(self, ph, pw, raft_size):
        super().__init__()
        self.h, self.w, self.ph, self.pw, self.raft_size = ph, pw, ph, pw, raft_size

    def forward(self, x):
        if self.h == self.ph and self.w == self.pw:
            return rearrange(x, "b (h w) (chw co) -> b (co w) (chw h)", h=self.h, w=self.w, chw=self.raft_size)
        x = rearrange(x, "b (h w) (chw co) -> b (chw co) h w", h=self.h, w=self.w, chw=self.raft_size)
        x = F.interpolate(x, (self.ph, self.pw), mode="bicubic", align_corners=False)
        return rearrange(x, "b (chw co) h w -> b (co w) (chw h)", h=self.ph, w=self.pw, chw=self.raft_size)


class RaftExpansion(nn.Module):
    def __init__(self, ph, pw, raft_size):
        super().__init__()
        self.h, self.w, self.ph, self.pw, self.raft_size = ph, pw, ph, pw, raft_size

    def forward(self, x):
        if self.h == self.ph and self.w == self.pw:
            return rearrange(x, "b (co h) (chw w) -> b (h w) (chw co)", h=self.ph, w=self.pw, chw=self.raft_size)
        x = rearrange(x, "b (co h) (chw w) -> b (chw co) h w", h=self.ph, w=self.pw, chw=self.raft_size)
        x = F.interpolate(x, (self.h, self.w), mode="bicubic", align_corners=False)
        return rearrange(x, "b (chw co) h w -> b (h w) (chw co)", h=self.h, w=self.w, chw=self.raft_size)


class ToPixel(nn.Module):
    def __init__(self, ph, pw):
        super().__init__()
        self.h, self.w = ph, pw

    def forward(self, x):
        return rearrange(x, "b (h w) c -> b c h w", h=self.h, w=self.w)


class CrossScaleMLPEmbedding(nn.Module):
    def __init__(self, in_channels, out_channels, kernels):
        super().__init__()
        self.stride = min(kernels)
        self.embeddings = nn.ModuleList([nn.Sequential(nn.Unfold(kernel_size=k, stride=self.stride, padding=(k - self.stride) // 2),
                                                       Rearrange("b c hw -> b hw c")) for k in kernels])
        self.fc = nn.Linear(sum(k ** 2 for k in kernels) * in_channels, out_channels)

    def forward(self, x):
        return self.fc(torch.cat([emb(x) for emb in self.embeddings], dim=2))


class SerialPermutedLevel(nn.Module):
    def __init__(self, in_channels, out_channels, depth, pretrained_image_size, patch_size, raft_size, kernels=None):
        super().__init__()
        self.patch_size = patch_size
        ph = pw = math.ceil(pretrained_image_size / patch_size)
        if kernels is None:
            embedding = Rearrange("b c (h p1) (w p2) -> b (h w) (p1 p2 c)", p1=patch_size, p2=patch_size)
            linear = nn.Linear(patch_size ** 2 * in_channels, out_channels)
        else:
            embedding, linear = CrossScaleMLPEmbedding(in_channels, out_channels, kernels), nn.Identity()
        blocks = [nn.Sequential(RaftShrink(ph, pw, raft_size), PermutedBlock(ph, out_channels, raft_size),
                                Rearrange("b (co w) (chw h) -> b (co h) (chw w)", h=ph, w=pw, chw=raft_size),
                                PermutedBlock(pw, out_channels, raft_size), RaftExpansion(ph, pw, raft_size),
                                ChannelBlock(out_channels)) for _ in range(depth)]
        self.fn = nn.Sequential(embedding, linear, *blocks, ToPixel(ph, pw))

    def update_hw(self, seq, h, w):
        for mod in seq:
            if isinstance(mod, nn.Sequential):
                self.update_hw(mod, h, w)
            elif isinstance(mod, (RaftShrink, RaftExpansion, ToPixel)):
                mod.h, mod.w = math.ceil(h / self.patch_size), math.ceil(w / self.patch_size)

    def forward(self, x):
        _, _, h, w = x.shape
        self.update_hw(self.fn, h, w)
        if not (h % self.patch_size == 0 and w % self.patch_size == 0):
            x = F.interpolate(x, (math.ceil(h / self.patch_size) * self.patch_size, math.ceil(w / self.patch_size) * self.patch_size),
                              mode="bicubic", align_corners=False)
        return self.fn(x)


class RaftMLP(nn.Module):
    def __init__(self, layers, image_size, num_classes):
        super().__init__()
        levels, in_ch, size = [], 3, image_size
        for layer in layers:
            levels.append(SerialPermutedLevel(in_ch, layer["dim"], layer["depth"], size, layer["patch_size"], layer["raft_size"],
                                              layer.get("embedding_kernels")))
            in_ch, size = layer["dim"], math.ceil(size / layer["patch_size"])
        self.levels = nn.ModuleList(levels)
        self.heads = nn.ModuleList([nn.Sequential(Rearrange("b c h w -> b h w c"), nn.LayerNorm(in_ch), Rearrange("b h w c -> b c h w"))])
        self.classifier = nn.Linear(in_ch, num_classes)

    def forward(self, x):
        for level in self.levels:
            x = level(x)
        pooled = self.heads[0](x).mean((2, 3))
        return pooled, self.classifier(pooled)


def write_case(name, model, config, inputs, gen):
    with torch.no_grad():
        for pname, p in model.named_parameters():
            base = 1.0 if (pname.endswith(".weight") and p.dim() == 1) else 0.0
            p.copy_(base + 0.3 * torch.randn(p.shape, generator=gen))
    model.eval()
    io = {}
    with torch.no_grad():
        for key, x in inputs.items():
            pooled, logits = model(x)
            io[f"input_{key}"], io[f"pre_logits_{key}"], io[f"logits_{key}"] = x, pooled, logits
    meta = {"config": json.dumps(config)}
    safetensors_io.save(os.path.join(HERE, f"{name}.weights.safetensors"), model.state_dict(), meta)
    safetensors_io.save(os.path.join(HERE, f"{name}.io.safetensors"), io, meta)
    print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, inputs {[tuple(x.shape) for x in inputs.values()]}")


def main():
    gen = torch.Generator().manual_seed(20240604)
    v1 = [dict(depth=2, dim=16, patch_size=8, raft_size=4)]
    write_case("raftmlp_v1_tiny", RaftMLP(v1, 32, 5), {"layers": v1, "image_size": 32, "num_classes": 5},
               {"32": torch.randn((2, 3, 32, 32), generator=gen)}, gen)
    v2 = [dict(depth=1, dim=16, patch_size=4, raft_size=2, embedding_kernels=[4, 8]),
          dict(depth=1, dim=24, patch_size=2, raft_size=4, embedding_kernels=[2, 4])]
    write_case("raftmlp_v2_tiny", RaftMLP(v2, 32, 5), {"layers": v2, "image_size": 32, "num_classes": 5},
               {"32": torch.randn((2, 3, 32, 32), generator=gen), "36": torch.randn((2, 3, 36, 36), generator=gen)}, gen)


if __name__ == "__main__":
    main()
