"""Golden checkpoints for CycleMLP (ShoufaChen/CycleMLP cycle_mlp.py: CycleFC, CycleMLP, CycleBlock,
PatchEmbedOverlapping, Downsample, CycleNet) and ViP (Andrew-Qibin/VisionPermutator models/vip.py:
WeightedPermuteMLP, PermutatorBlock, PatchEmbed, Downsample, VisionPermutator), written out here in plain PyTorch.

Debian ships no torchvision, so CycleFC's deform_conv2d (1x1 kernel, one fixed (dy, dx) offset per input channel,
bilinear sampling that reads zero outside the map) is computed with grid_sample, channel by channel, at the
offsets gen_offset writes: an implementation independent of the C# code's shift-and-gather.

Cases: cyclemlp_tiny (64x64 images, widths 8/16/24/32) and vip_tiny (32x32 images, 4x4 patches, widths 16/32/32/32,
segments 8/4/4/4). For each: tests/golden/<case>.weights.safetensors (official key names) and <case>.io.safetensors.

Regenerate (from the repository root) with Debian's PyTorch:
    /usr/bin/python3 tests/golden/cyclemlp_vip_official.py
The C# side is tests/Research.Tests/Models/CycleMlpVipTests.cs.
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


class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features, out_features=None):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_features, out_features or in_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def deform_conv_1x1(x, offset, weight, bias):
    """torchvision deform_conv2d with a 1x1 kernel and offsets [1, 2C, 1, 1] as (dy, dx) per input channel."""
    b, c, h, w = x.shape
    ys = torch.arange(h, dtype=x.dtype).view(h, 1).expand(h, w)
    xs = torch.arange(w, dtype=x.dtype).view(1, w).expand(h, w)
    sampled = []
    for i in range(c):
        dy, dx = offset[0, 2 * i, 0, 0], offset[0, 2 * i + 1, 0, 0]
        gx = 2 * (xs + dx) / max(w - 1, 1) - 1
        gy = 2 * (ys + dy) / max(h - 1, 1) - 1
        grid = torch.stack([gx, gy], dim=-1).unsqueeze(0).expand(b, h, w, 2)
        sampled.append(F.grid_sample(x[:, i:i + 1], grid, mode="bilinear", padding_mode="zeros", align_corners=True))
    return F.conv2d(torch.cat(sampled, 1), weight, bias)


class CycleFC(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size):
        super().__init__()
        self.kernel_size = kernel_size
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, 1, 1))
        self.bias = nn.Parameter(torch.empty(out_channels))
        offset = torch.empty(1, in_channels * 2, 1, 1)
        start_idx = (kernel_size[0] * kernel_size[1]) // 2
        for i in range(in_channels):
            if kernel_size[0] == 1:
                offset[0, 2 * i + 0, 0, 0] = 0
                offset[0, 2 * i + 1, 0, 0] = (i + start_idx) % kernel_size[1] - (kernel_size[1] // 2)
            else:
                offset[0, 2 * i + 0, 0, 0] = (i + start_idx) % kernel_size[0] - (kernel_size[0] // 2)
                offset[0, 2 * i + 1, 0, 0] = 0
        self.register_buffer("offset", offset)

    def forward(self, x):
        return deform_conv_1x1(x, self.offset, self.weight, self.bias)


class CycleMLP(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.mlp_c = nn.Linear(dim, dim, bias=False)
        self.sfc_h = CycleFC(dim, dim, (1, 3))
        self.sfc_w = CycleFC(dim, dim, (3, 1))
        self.reweight = Mlp(dim, dim // 4, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, H, W, C = x.shape
        h = self.sfc_h(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        w = self.sfc_w(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        c = self.mlp_c(x)
        a = (h + w + c).permute(0, 3, 1, 2).flatten(2).mean(2)
        a = self.reweight(a).reshape(B, C, 3).permute(2, 0, 1).softmax(dim=0).unsqueeze(2).unsqueeze(2)
        return self.proj(h * a[0] + w * a[1] + c * a[2])


class WeightedPermuteMLP(nn.Module):
    def __init__(self, dim, segment_dim):
        super().__init__()
        self.segment_dim = segment_dim
        self.mlp_c = nn.Linear(dim, dim, bias=False)
        self.mlp_h = nn.Linear(dim, dim, bias=False)
        self.mlp_w = nn.Linear(dim, dim, bias=False)
        self.reweight = Mlp(dim, dim // 4, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, H, W, C = x.shape
        S = C // self.segment_dim
        h = x.reshape(B, H, W, self.segment_dim, S).permute(0, 3, 2, 1, 4).reshape(B, self.segment_dim, W, H * S)
        h = self.mlp_h(h).reshape(B, self.segment_dim, W, H, S).permute(0, 3, 2, 1, 4).reshape(B, H, W, C)
        w = x.reshape(B, H, W, self.segment_dim, S).permute(0, 1, 3, 2, 4).reshape(B, H, self.segment_dim, W * S)
        w = self.mlp_w(w).reshape(B, H, self.segment_dim, W, S).permute(0, 1, 3, 2, 4).reshape(B, H, W, C)
        c = self.mlp_c(x)
        a = (h + w + c).permute(0, 3, 1, 2).flatten(2).mean(2)
        a = self.reweight(a).reshape(B, C, 3).permute(2, 0, 1).softmax(dim=0).unsqueeze(2).unsqueeze(2)
        return self.proj(h * a[0] + w * a[1] + c * a[2])


class Block(nn.Module):
    """CycleBlock and PermutatorBlock (skip_lam 1)."""

    def __init__(self, dim, mixer, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = mixer
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Proj(nn.Module):
    """PatchEmbedOverlapping / PatchEmbed (images -> channels-last) and Downsample (channels-last in and out)."""

    def __init__(self, cin, cout, k, s, p, tokens_in):
        super().__init__()
        self.proj = nn.Conv2d(cin, cout, k, stride=s, padding=p)
        self.tokens_in = tokens_in

    def forward(self, x):
        if self.tokens_in:
            x = x.permute(0, 3, 1, 2)
        return self.proj(x).permute(0, 2, 3, 1)


class Net(nn.Module):
    def __init__(self, patch_embed, network, dim, num_classes):
        super().__init__()
        self.patch_embed = patch_embed
        self.network = nn.ModuleList(network)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.patch_embed(x)
        for stage in self.network:
            x = stage(x)
        pooled = self.norm(x.reshape(x.shape[0], -1, x.shape[-1])).mean(1)
        return pooled, self.head(pooled)


def cyclemlp(layers, dims, ratios, num_classes):
    network = []
    for i, (n, d, r) in enumerate(zip(layers, dims, ratios)):
        network.append(nn.Sequential(*[Block(d, CycleMLP(d), r) for _ in range(n)]))
        if i < len(layers) - 1:
            network.append(Proj(d, dims[i + 1], 3, 2, 1, True))
    return Net(Proj(3, dims[0], 7, 4, 2, False), network, dims[-1], num_classes)


def vip(layers, dims, segments, ratios, transitions, patch, num_classes):
    network = []
    for i, (n, d, s, r) in enumerate(zip(layers, dims, segments, ratios)):
        network.append(nn.Sequential(*[Block(d, WeightedPermuteMLP(d, s), r) for _ in range(n)]))
        if i >= len(layers) - 1:
            break
        if transitions[i] or dims[i] != dims[i + 1]:
            p = 2 if transitions[i] else 1
            network.append(Proj(d, dims[i + 1], p, p, 0, True))
    return Net(Proj(3, dims[0], patch, patch, 0, False), network, dims[-1], num_classes)


def write_case(name, model, config, size, gen):
    with torch.no_grad():
        for pname, p in model.named_parameters():
            base = 1.0 if pname.endswith(("norm1.weight", "norm2.weight", "norm.weight")) else 0.0
            p.copy_(base + 0.3 * torch.randn(p.shape, generator=gen))
    model.eval()
    x = torch.randn((2, 3, size, size), generator=gen)
    with torch.no_grad():
        pooled, logits = model(x)
    meta = {"config": json.dumps(config)}
    safetensors_io.save(os.path.join(HERE, f"{name}.weights.safetensors"), model.state_dict(), meta)
    safetensors_io.save(os.path.join(HERE, f"{name}.io.safetensors"), {"input": x, "pre_logits": pooled, "logits": logits}, meta)
    print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, logits {tuple(logits.shape)}")


def main():
    gen = torch.Generator().manual_seed(20240605)
    write_case("cyclemlp_tiny", cyclemlp([1, 1, 1, 1], [8, 16, 24, 32], [4, 4, 4, 4], 5),
               {"Layers": [1, 1, 1, 1], "Dims": [8, 16, 24, 32], "NumClasses": 5, "ImageSize": 64}, 64, gen)
    write_case("vip_tiny", vip([1, 1, 1, 1], [16, 32, 32, 32], [8, 4, 4, 4], [3, 3, 3, 3], [True, False, False, False], 4, 5),
               {"Layers": [1, 1, 1, 1], "Dims": [16, 32, 32, 32], "SegmentDims": [8, 4, 4, 4], "NumClasses": 5, "ImageSize": 32}, 32, gen)


if __name__ == "__main__":
    main()
