"""INIT105 and the init-before-to_empty INIT102 (initlint/facts/script/materialize.py) on the shapes of real helpers:
each bad snippet (a real framework's code with the initialization deleted or moved, as in the mutation suite)
has its exact findings, and its good twin (the released code's shape) must stay silent.

Lines are those of the dedented snippet; only the INIT1xx rules (and INIT9xx) run.
"""

from __future__ import annotations

import textwrap

import pytest

from initlint import Config, lint_source

from ._twins import twin

FLOW = Config(select=("INIT1", "INIT9"))


def run(src: str):
    return lint_source(textwrap.dedent(src).lstrip("\n"), "helper.py", FLOW)


def codes(src: str):
    return sorted((f.line, f.code) for f in run(src))


#: name -> (bad source, its findings, the edits that make its good twin)
TWINS = {
    "Lightning _materialize without reset_parameters()": ("""
        def _materialize(module, device):
            module.to_empty(device=device, recurse=False)
            if not hasattr(module, "reset_parameters"):
                raise TypeError("Materialization requires reset_parameters")
            if callable(module.reset_parameters):
                pass
        """, [(2, "INIT105")], [("pass", "module.reset_parameters()")]),
    "Lightning _materialize_distributed_module without reset_method()": ("""
        import itertools

        def _materialize_distributed_module(module, device):
            if not _has_meta_device_parameters_or_buffers(module):
                return
            module.to_empty(device=device)
            uninitialized_modules = set()
            for submodule in module.modules():
                if all(False for _ in itertools.chain(submodule.parameters(recurse=False))):
                    continue
                if callable(reset_method := getattr(submodule, "reset_parameters", None)):
                    pass
                else:
                    uninitialized_modules.add(type(submodule).__name__)
        """, [(6, "INIT105")], [("pass", "reset_method()")]),
    "composer _param_init_fn without its initialization": ("""
        import torch
        from torch.distributed.fsdp import FullyShardedDataParallel

        def prepare_fsdp_module(obj, sync_module_states):
            def _param_init_fn(module: torch.nn.Module) -> None:
                is_meta = any(p.is_meta for p in module.parameters(recurse=False))
                if not is_meta:
                    return
                module.to_empty(device=f"cuda:{torch.cuda.current_device()}", recurse=False)

            return FullyShardedDataParallel(obj, param_init_fn=_param_init_fn, sync_module_states=sync_module_states)
        """, [(9, "INIT105")], [(
            "recurse=False)\n",
            "recurse=False)\n"
            "        if hasattr(obj, 'param_init_fn') and callable(obj.param_init_fn):\n"
            "            obj.param_init_fn(module)\n"
            "        elif hasattr(module, 'reset_parameters') and callable(module.reset_parameters):\n"
            "            module.reset_parameters()\n"
            "        else:\n"
            "            raise ValueError('no param_init_fn or reset_parameters: parameters left uninitialized')\n",
        )]),
    "composer _param_init_fn initializing before to_empty()": ("""
        import torch

        def prepare_fsdp_module(obj):
            def _param_init_fn(module: torch.nn.Module) -> None:
                if hasattr(obj, "param_init_fn"):
                    obj.param_init_fn(module)
                elif hasattr(module, "reset_parameters"):
                    module.reset_parameters()
                else:
                    raise ValueError("no initializer")
                module.to_empty(device="cuda", recurse=False)

            return _param_init_fn
        """, [(6, "INIT102"), (8, "INIT102")], [  # to_empty() moved first
            ('        module.to_empty(device="cuda", recurse=False)\n', ""),
            ("None:\n", 'None:\n        module.to_empty(device="cuda", recurse=False)\n'),
        ]),
    "ibm-fms _fsdp_wrap: rank-conditional param_init_fn without sync_module_states": ("""
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

        def _fsdp_wrap(model, device, rank0):
            def init_fn(x):
                if not rank0:
                    return x.to_empty(device=device, recurse=False)
                else:
                    return x

            model = FSDP(
                model,
                param_init_fn=init_fn,
                sync_module_states=False,
                device_id=device.index,
            )
            return model
        """, [(10, "INIT105")], [("sync_module_states=False", "sync_module_states=True")]),
}


@pytest.mark.parametrize("name", list(TWINS))
def test_bad_twin_is_reported(name):
    bad, expected, _edits = TWINS[name]
    assert codes(bad) == expected


@pytest.mark.parametrize("name", list(TWINS))
def test_good_twin_is_silent(name):
    bad, _expected, edits = TWINS[name]
    assert codes(twin(textwrap.dedent(bad), *edits)) == []


def test_message_names_function_parameter_and_fix():
    bad = TWINS["Lightning _materialize without reset_parameters()"][0]
    (f,) = run(bad)
    assert "`_materialize()` materializes `module` with `module.to_empty(device=device, recurse=False)`" in f.message
    assert "leaves it uninitialized" in f.message
    assert f.fix is not None and "module.reset_parameters()" in f.fix


def test_fsdp_message_names_the_param_init_fn_and_the_missing_broadcast():
    bad = TWINS["ibm-fms _fsdp_wrap: rank-conditional param_init_fn without sync_module_states"][0]
    (f,) = run(bad)
    assert "`param_init_fn=init_fn`" in f.message and "`_fsdp_wrap()`" in f.message
    assert "sync_module_states=True" in f.fix


SILENT = {
    "verl's init_fn: only ranks other than 0 are emptied (sync_module_states=True broadcasts rank 0's weights)": """
        import torch

        def init_fn(x: torch.nn.Module):
            if torch.distributed.get_rank() != 0:
                x = x.to_empty(device=get_device_id(), recurse=False)
                get_torch_device().empty_cache()
            return x
        """,
    "a helper that only moves the model for a later load (its name does not say it initializes)": """
        def move_to_device(model, device):
            model.to_empty(device=device)
            return model
        """,
    "a materializer whose path found no initializer to call": """
        def materialize(module, device):
            module.to_empty(device=device)
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
        """,
    "a materializer that loads after to_empty()": """
        def materialize_from(module, device, state_dict):
            module.to_empty(device=device)
            module.load_state_dict(state_dict)
        """,
    "passed as param_init_fn with sync_module_states=True": """
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

        def empty_fn(module):
            module.to_empty(device="cuda", recurse=False)

        def wrap(model):
            return FSDP(model, param_init_fn=empty_fn, sync_module_states=True)
        """,
    "a non-rank-conditional lambda param_init_fn, loaded after wrapping (DCP-style)": """
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

        def wrap(model, device):
            return FSDP(model, param_init_fn=lambda m: m.to_empty(device=device, recurse=False))
        """,
    "a model built in the same function: the flow analysis judges it (INIT101), not INIT105": """
        import torch
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

        def main(rank):
            with torch.device("meta"):
                model = Transformer()
            model = FSDP(model, param_init_fn=(lambda m: m.to_empty(device="cuda", recurse=False))
                         if rank != 0 else None, sync_module_states=True)
            return model
        """,
}


@pytest.mark.parametrize("name", list(SILENT))
def test_correct_materializers_are_silent(name):
    assert codes(SILENT[name]) == []
