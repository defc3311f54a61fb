"""Golden checkpoints for MLP-Mixer and ResMLP as timm defines them (timm/models/mlp_mixer.py:
MixerBlock, ResBlock, Affine, MlpMixer; timm/layers: Mlp, PatchEmbed), written out here in plain
PyTorch because timm is not installed. Tiny configurations keep the files a few KB.

For each case the script writes
    tests/golden/timm_<case>.weights.safetensors   the state dict, with timm's key names
    tests/golden/timm_<case>.io.safetensors        input images, pooled features and logits
Every parameter is drawn at random (not left at timm's init, where the head is zero), so the logits
depend on every weight.

Regenerate (from the repository root) with Debian's PyTorch:
    /usr/bin/python3 tests/golden/timm_mixer.py
The C# side is tests/Research.Tests/Models/TimmCheckpointTests.cs.
"""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class Mlp(nn.Module):
    """timm.layers.Mlp: fc1 -> act -> drop -> fc2 -> drop."""

    def __init__(self, in_features, hidden_features, out_features=None):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_features, out_features or in_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class PatchEmbed(nn.Module):
    """timm.layers.PatchEmbed with flatten: stride-P conv, [B, D, h, w] -> [B, N, D]."""

    def __init__(self, patch, in_chans, dim):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class MixerBlock(nn.Module):
    def __init__(self, dim, seq_len, mlp_ratio=(0.5, 4.0)):
        super().__init__()
        tokens_dim, channels_dim = int(mlp_ratio[0] * dim), int(mlp_ratio[1] * dim)
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp_tokens = Mlp(seq_len, tokens_dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp_channels = Mlp(dim, channels_dim)

    def forward(self, x):
        x = x + self.mlp_tokens(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        x = x + self.mlp_channels(self.norm2(x))
        return x


class Affine(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones((1, 1, dim)))
        self.beta = nn.Parameter(torch.zeros((1, 1, dim)))

    def forward(self, x):
        return torch.addcmul(self.beta, self.alpha, x)


class ResBlock(nn.Module):
    def __init__(self, dim, seq_len, mlp_ratio=4, init_values=1e-4):
        super().__init__()
        self.norm1 = Affine(dim)
        self.linear_tokens = nn.Linear(seq_len, seq_len)
        self.norm2 = Affine(dim)
        self.mlp_channels = Mlp(dim, int(dim * mlp_ratio))
        self.ls1 = nn.Parameter(init_values * torch.ones(dim))
        self.ls2 = nn.Parameter(init_values * torch.ones(dim))

    def forward(self, x):
        x = x + self.ls1 * self.linear_tokens(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        x = x + self.ls2 * self.mlp_channels(self.norm2(x))
        return x


class MlpMixer(nn.Module):
    def __init__(self, num_classes, img_size, in_chans, patch_size, num_blocks, embed_dim, block):
        super().__init__()
        self.stem = PatchEmbed(patch_size, in_chans, embed_dim)
        seq_len = (img_size // patch_size) ** 2
        self.blocks = nn.Sequential(*[block(embed_dim, seq_len) for _ in range(num_blocks)])
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6) if block is MixerBlock else Affine(embed_dim)
        self.head = nn.Linear(embed_dim, num_classes)

    def forward(self, x):
        x = self.norm(self.blocks(self.stem(x)))
        pooled = x.mean(dim=1)
        return pooled, self.head(pooled)


def randomise(model, gen):
    with torch.no_grad():
        for name, p in model.named_parameters():
            base = 1.0 if name.endswith(("norm1.weight", "norm2.weight", "norm.weight", "alpha")) else 0.0
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
    gen = torch.Generator().manual_seed(20240601)
    # Mixer: 32x32 images, 8x8 patches (N = 16), C = 16, D_S = 8, D_C = 64, two blocks, five classes.
    mixer = MlpMixer(5, 32, 3, 8, 2, 16, MixerBlock)
    write_case("mixer_tiny", mixer, {"PatchSize": 8, "Depth": 2, "EmbedDim": 16, "NumClasses": 5, "ImageSize": 32}, 32, gen)
    # ResMLP: same shapes, Affine norms, one N x N token layer, LayerScale.
    resmlp = MlpMixer(5, 32, 3, 8, 2, 16, lambda dim, n: ResBlock(dim, n, 4, init_values=0.1))
    write_case("resmlp_tiny", resmlp, {"PatchSize": 8, "Depth": 2, "EmbedDim": 16, "NumClasses": 5, "ImageSize": 32}, 32, gen)


if __name__ == "__main__":
    main()
