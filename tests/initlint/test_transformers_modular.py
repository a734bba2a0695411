"""transformers' model files judged with the files they inherit from (the 5 findings the project index added
on transformers 5.24 ``models/``, triaged in docs/real-world.md): modular templates, bases that end at an
unreadable ``PreTrainedModel``, and ``super()._init_weights`` chains across files.

Real packages on disk in tmp_path, linted through the public API; nothing is mocked.
"""

from __future__ import annotations

from pathlib import Path

from ._project import _summary_cache, findings, line_of, write  # noqa: F401 - the fixture applies to every test here

BASE_V5 = """
    from torch import nn

    class PreTrainedModel(nn.Module):
        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight)
            elif "LayerNorm" in module.__class__.__name__ or "RMSNorm" in module.__class__.__name__:
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
"""

VIT_EMBEDDINGS = """
    class ViTEmbeddings(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.cls_token = nn.Parameter(torch.randn(1, 1, config.hidden_size))
            self.position_embeddings = nn.Parameter(torch.randn(1, 197, config.hidden_size))
"""

VIT = """
    import torch
    from torch import nn
    from ...modeling_utils import PreTrainedModel
""" + VIT_EMBEDDINGS + """
    class ViTPreTrainedModel(PreTrainedModel):
        def _init_weights(self, module):
            super()._init_weights(module)
            if isinstance(module, ViTEmbeddings):
                nn.init.trunc_normal_(module.position_embeddings)
                nn.init.trunc_normal_(module.cls_token)
"""

# what transformers' modular files hold: the parent's classes, renamed
DINOV2 = """
    import torch
    from torch import nn
    from ..vit.modeling_vit import ViTPreTrainedModel
""" + VIT_EMBEDDINGS.replace("ViT", "Dinov2") + """
    class Dinov2PreTrainedModel(ViTPreTrainedModel):
        pass

    class Dinov2Model(Dinov2PreTrainedModel):
        def __init__(self, config):
            super().__init__()
            self.embeddings = Dinov2Embeddings(config)
"""


def _codes(path: Path) -> set[tuple[int, str]]:
    return findings(path, "INIT0")


def _linted(tmp_path: Path, files: dict[str, str], base: str | None = BASE_V5) -> Path:
    """Write a transformers package holding ``files`` (and ``base`` as modeling_utils.py); the path of the last
    file, the one the test lints."""
    layout = {"transformers/__init__.py": "", "transformers/models/__init__.py": ""}
    if base is not None:
        layout["transformers/modeling_utils.py"] = base
    for rel in files:
        layout[str(Path(rel).parent / "__init__.py")] = ""
    layout.update(files)
    return write(tmp_path, layout) / list(files)[-1]


VIT_FILE = "transformers/models/vit/modeling_vit.py"
ESM_FILE = "transformers/models/esm/modeling_esm.py"
ESMFOLD_FILE = "transformers/models/esm/modeling_esmfold.py"


def test_modular_file_reads_the_parent_init_with_the_model_name_replaced(tmp_path):
    # the converter copies ViTPreTrainedModel._init_weights into modeling_dinov2.py with ViT -> Dinov2:
    # its branch for ViTEmbeddings becomes the branch for Dinov2Embeddings
    path = _linted(tmp_path, {VIT_FILE: VIT, "transformers/models/dinov2/modular_dinov2.py": DINOV2})
    assert _codes(path) == set()


def test_the_same_classes_in_a_modeling_file_are_reported(tmp_path):
    # a modeling file runs as written: ViT's branch does not match Dinov2Embeddings
    path = _linted(tmp_path, {VIT_FILE: VIT, "transformers/models/dinov2/modeling_dinov2.py": DINOV2})
    assert _codes(path) == {(line_of(path, "class Dinov2Embeddings"), "INIT001")}


ESM = """
    from torch import nn
    from ...modeling_utils import PreTrainedModel

    class EsmPreTrainedModel(PreTrainedModel):
        def _init_weights(self, module):
            super()._init_weights(module)
            if isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight)
"""

ESMFOLD = """
    import torch
    from torch import nn
    from .modeling_esm import EsmPreTrainedModel

    class EsmFoldPreTrainedModel(EsmPreTrainedModel):
        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                nn.init.zeros_(module.weight)
            else:
                super()._init_weights(module)

    class EsmFoldLayerNorm(nn.Module):
        def __init__(self, c_in, eps=1e-5):
            super().__init__()
            self.c_in = (c_in,)
            self.eps = eps
            self.weight = nn.Parameter(torch.ones(c_in))
            self.bias = nn.Parameter(torch.zeros(c_in))
"""


def test_super_init_weights_is_followed_through_two_files_to_a_base_that_covers_norms_by_name(tmp_path):
    assert _codes(_linted(tmp_path, {ESM_FILE: ESM, ESMFOLD_FILE: ESMFOLD})) == set()


def test_a_base_that_does_not_cover_norms_leaves_the_norm_reported(tmp_path):
    base = BASE_V5.split("            elif")[0]  # transformers 4.x: Linear (and Embedding) only
    path = _linted(tmp_path, {ESM_FILE: ESM, ESMFOLD_FILE: ESMFOLD}, base=base)
    assert _codes(path) == {(line_of(path, "class EsmFoldLayerNorm"), "INIT001")}


def test_a_chain_that_ends_at_an_unreadable_pretrainedmodel_keeps_the_norm_assumption(tmp_path):
    # a models/ tree without modeling_utils.py (the benchmark corpus): the chain ends at a PreTrainedModel that
    # cannot be read, which is assumed to cover *Norm* classes (transformers v5), as when the file's own base
    # cannot be read; anything else stays reported
    path = _linted(tmp_path, {ESM_FILE: ESM, ESMFOLD_FILE: ESMFOLD + """
            class EsmFoldScale(nn.Module):
                def __init__(self, c_in):
                    super().__init__()
                    self.weight = nn.Parameter(torch.ones(c_in))
        """.replace("\n            ", "\n    ")}, base=None)
    assert _codes(path) == {(line_of(path, "class EsmFoldScale"), "INIT001")}
