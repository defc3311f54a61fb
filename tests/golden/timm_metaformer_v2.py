"""Golden checkpoints for the MetaFormer baselines and gMLP built by timm's own classes
(timm/models/metaformer.py: MetaFormer with PoolFormerV2, ConvFormer and CAFormer options, and the
per-stage norm, LayerScale and ResScale lists; timm/models/mlp_mixer.py: MlpMixer with gMLP's
SpatialGatingBlock, and a Mixer with another activation and norm). Tiny configurations keep the files
a few KB; every parameter is drawn at random, so the logits depend on every weight.

timm is imported from a source tree, given as the first argument or the TIMM_SRC environment variable.
One way to get it, from a clone or mirror of huggingface/pytorch-image-models:
    git --git-dir=<mirror> archive HEAD timm | tar -x -C /tmp/timm-src
Regenerate (from the repository root) with Debian's PyTorch 1.13:
    /usr/bin/python3 tests/golden/timm_metaformer_v2.py /tmp/timm-src
The files were written from timm at commit aa4b5850c1543fa488abf260f18390eda46cf85d.

For each case the script writes
    tests/golden/timm_<case>.weights.safetensors   the state dict, with timm's key names
    tests/golden/timm_<case>.io.safetensors        input images, pre-logits and logits
The C# side is tests/Research.Tests/Models/TimmBaselineCheckpointTests.cs.
"""
import importlib.abc
import importlib.machinery
import json
import os
import sys
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_io  # noqa: E402


# timm's package __init__ imports its data pipeline, which imports torchvision and PIL at module level; Debian's
# PyTorch 1.13 comes without either, and no model built here touches them. Stand-in modules whose every attribute
# is a dummy class let the import finish; nothing else of timm is patched.
class _StubClass(type):
    def __getattr__(cls, name):
        if name.startswith('__'):
            raise AttributeError(name)
        return _StubClass(name, (), {})


class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        value = _StubClass(name, (), {'__init__': lambda self, *a, **k: None})
        setattr(self, name, value)
        return value


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    MISSING = ('torchvision', 'PIL')

    def find_spec(self, fullname, path, target=None):
        if fullname.split('.')[0] in self.MISSING:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return _StubModule(spec.name)

    def exec_module(self, module):
        module.__path__ = []
        module.__version__ = '0.0'  # timm.data.auto_augment parses PIL.__version__


def import_timm(src):
    for name in _StubFinder.MISSING:
        try:
            __import__(name)
        except ImportError:
            sys.meta_path.append(_StubFinder())
            break
    sys.path.insert(0, src)
    import timm.models.metaformer as metaformer
    import timm.models.mlp_mixer as mlp_mixer
    return metaformer, mlp_mixer


def randomise(model, gen):
    with torch.no_grad():
        for name, p in model.named_parameters():
            # norms' weights and every scale (LayerScale, ResScale, StarReLU's s) around 1, the rest around 0
            one = name.endswith(('norm1.weight', 'norm2.weight', 'norm.weight', 'scale', 'alpha'))
            p.copy_((1.0 if one else 0.0) + 0.3 * torch.randn(p.shape, generator=gen))


def write_case(name, model, config, img_size, gen):
    randomise(model, gen)
    model.eval()
    x = torch.randn((2, 3, img_size, img_size), generator=gen)
    with torch.no_grad():
        features = model.forward_features(x)
        pre_logits = model.forward_head(features, pre_logits=True)
        logits = model.forward_head(features)
    meta = {"config": json.dumps(config)}
    safetensors_io.save(os.path.join(HERE, f"timm_{name}.weights.safetensors"), model.state_dict(), meta)
    safetensors_io.save(os.path.join(HERE, f"timm_{name}.io.safetensors"),
                        {"input": x, "pre_logits": pre_logits, "logits": logits}, meta)
    print(f"timm_{name}: {sum(p.numel() for p in model.parameters())} parameters, logits {tuple(logits.shape)}")


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TIMM_SRC")
    if not src:
        sys.exit("usage: timm_metaformer_v2.py TIMM_SOURCE_TREE (or set TIMM_SRC)")
    mf, mm = import_timm(os.path.abspath(src))
    gen = torch.Generator().manual_seed(20240610)
    tiny = dict(num_classes=5)

    # 48x48 images: stem to 12x12, then 6x6, 3x3 and an odd 2x2. The keyword arguments after depths and dims are those of
    # timm's poolformerv2_*, convformer_* and caformer_* registrations; the rest are MetaFormer's defaults.
    write_case("poolformerv2_tiny", mf.MetaFormer(depths=(1, 1, 2, 1), dims=(4, 8, 12, 16), norm_layers=mf.GroupNorm1NoBias,
                                                  use_mlp_head=False, **tiny),
               {"Depths": [1, 1, 2, 1], "Dims": [4, 8, 12, 16], "NumClasses": 5, "ImageSize": 48}, 48, gen)
    write_case("convformer_tiny", mf.MetaFormer(depths=(1, 1, 1, 1), dims=(4, 8, 12, 16), token_mixers=mf.SepConv,
                                                norm_layers=mf.LayerNorm2dNoBias, **tiny),
               {"Depths": [1, 1, 1, 1], "Dims": [4, 8, 12, 16], "NumClasses": 5, "ImageSize": 48}, 48, gen)
    # head_dim 4 (timm's Attention needs a width that is a multiple of it; CAFormer's is 32)
    write_case("caformer_tiny", mf.MetaFormer(depths=(1, 1, 1, 1), dims=(4, 8, 12, 16),
                                              token_mixers=[mf.SepConv, mf.SepConv, mf.Attention, mf.Attention],
                                              norm_layers=[mf.LayerNorm2dNoBias] * 2 + [mf.LayerNormNoBias] * 2, head_dim=4, **tiny),
               {"Depths": [1, 1, 1, 1], "Dims": [4, 8, 12, 16], "AttentionHeadDim": 4, "NumClasses": 5, "ImageSize": 48}, 48, gen)
    # per-stage lists: norms, LayerScale and ResScale differ stage by stage
    write_case("metaformer_tiny_stagewise", mf.MetaFormer(
        depths=(1, 1, 1, 1), dims=(4, 8, 12, 16),
        norm_layers=[mf.GroupNorm1NoBias, mf.LayerNorm2dNoBias, mf.GroupNorm1NoBias, mf.LayerNorm2dNoBias],
        layer_scale_init_values=[1e-5, None, 1e-6, None], res_scale_init_values=[1.0, None, None, 1.0], use_mlp_head=False, **tiny),
        {"Depths": [1, 1, 1, 1], "Dims": [4, 8, 12, 16], "NumClasses": 5, "ImageSize": 48}, 48, gen)

    # 32x32 images, 8x8 patches (N = 16), C = 16, two blocks. gMLP: channel width 6C = 96, gated on 48.
    write_case("gmlp_tiny", mm.MlpMixer(img_size=32, patch_size=8, num_blocks=2, embed_dim=16, mlp_ratio=6,
                                        block_layer=mm.SpatialGatingBlock, mlp_layer=mm.GatedMlp, **tiny),
               {"PatchSize": 8, "Depth": 2, "EmbedDim": 16, "NumClasses": 5, "ImageSize": 32}, 32, gen)
    # MLP-Mixer with SiLU and ResMLP's Affine in place of GELU and LayerNorm
    write_case("mixer_tiny_silu_affine", mm.MlpMixer(img_size=32, patch_size=8, num_blocks=2, embed_dim=16,
                                                     act_layer=torch.nn.SiLU, norm_layer=mm.Affine, **tiny),
               {"PatchSize": 8, "Depth": 2, "EmbedDim": 16, "NumClasses": 5, "ImageSize": 32}, 32, gen)


if __name__ == "__main__":
    main()
