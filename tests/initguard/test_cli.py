"""``initguard check CHECKPOINT`` on real files (torch.save, Lightning-style nesting, safetensors, unsafe
pickles)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import torch
import torch.nn as nn

from initguard.cli import main


def _model(init=True):
    m = nn.Sequential(nn.Embedding(64, 32), nn.Linear(32, 64), nn.LayerNorm(64), nn.Conv1d(64, 32, 3))
    if init:
        for mod in m:
            if isinstance(mod, (nn.Linear, nn.Embedding, nn.Conv1d)):
                nn.init.normal_(mod.weight, std=0.02)
                if getattr(mod, "bias", None) is not None:
                    nn.init.zeros_(mod.bias)
    return m


def test_good_checkpoint_exits_0(tmp_path, capsys):
    p = tmp_path / "good.pt"
    torch.save(_model().state_dict(), p)
    assert main(["check", str(p)]) == 0
    assert "initialized" in capsys.readouterr().out


def test_default_checkpoint_exits_1_with_table(tmp_path, capsys):
    p = tmp_path / "default.pth"
    torch.save(_model(init=False).state_dict(), p)
    assert main(["check", str(p)]) == 1
    out = capsys.readouterr().out
    for name in ("0.weight", "1.weight", "3.weight"):
        assert name in out
    assert "too small to judge (2): 1.bias, 3.bias" in out  # 64 and 32 values: listed, not failed
    assert "default" in out and "2.weight" not in out  # LayerNorm ones: not flagged
    assert "--allow '<module>.*'" in out and "--allow-default" in out  # the command's flags, not API kwargs
    assert "allow_default=True" not in out
    assert main(["check", str(p), "--allow-default"]) == 0


def test_garbage_checkpoint_json(tmp_path, capsys):
    m = _model()
    with torch.no_grad():
        m[1].weight.fill_(float("nan"))
        m[3].weight.fill_(1e-39)
    p = tmp_path / "garbage.pt"
    torch.save({"state_dict": m.state_dict(), "epoch": 3}, p)  # Lightning-style nesting
    assert main(["check", str(p), "--format", "json"]) == 1
    d = json.loads(capsys.readouterr().out)
    assert d["ok"] is False
    assert {(q["name"], q["verdict"]) for q in d["problems"]} == {("1.weight", "uninitialized"),
                                                                  ("3.weight", "uninitialized")}
    assert main(["check", str(p), "--format", "json", "--allow", "1.*", "--allow", "3.weight"]) == 0


def test_safetensors(tmp_path, capsys):
    st = pytest.importorskip("safetensors.torch")
    p = tmp_path / "model.safetensors"
    st.save_file(_model(init=False).state_dict(), str(p))
    assert main(["check", str(p)]) == 1
    assert "default" in capsys.readouterr().out


def test_unsafe_pickle_is_refused(tmp_path, capsys):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    p = tmp_path / "evil.pt"
    torch.save({"x": Evil()}, p)
    assert main(["check", str(p)]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and "refused: it contains pickled code" in err and "system`" in err
    assert "weights_only` set to `False`" not in err  # torch's advice to load it unsafely is not passed on
    assert not (tmp_path / "pwned").exists()


def test_plot_option_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    m = _model(init=False)
    with torch.no_grad():
        m[1].weight.fill_(float("nan"))
    p = tmp_path / "m.pt"
    torch.save(m.state_dict(), p)
    png = tmp_path / "m.png"
    assert main(["check", str(p), "--plot", str(png)]) == 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_that_cannot_be_written_exits_2_after_the_verdicts(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    p = tmp_path / "good.pt"
    torch.save(_model().state_dict(), p)
    assert main(["check", str(p), "--plot", str(tmp_path / "no-such-folder" / "m.png")]) == 2
    out, err = capsys.readouterr()
    assert "initialized" in out
    assert err.startswith("initguard: cannot write the figure to ") and "no-such-folder" in err


def test_console_script(tmp_path):
    exe = shutil.which("initguard") or os.path.join(os.path.dirname(sys.executable), "initguard")
    if not os.path.exists(exe):
        pytest.skip("console script not installed")
    p = tmp_path / "good.pt"
    torch.save(_model().state_dict(), p)
    out = subprocess.run([exe, "check", str(p), "--full"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "initialized" in out.stdout


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["check", str(tmp_path / "missing.pt")]) == 2
    assert "missing.pt: no such file" in capsys.readouterr().err


def test_truncated_legacy_checkpoint(tmp_path, capsys):
    whole, cut = tmp_path / "legacy.pt", tmp_path / "cut.pt"
    torch.save(_model().state_dict(), whole, _use_new_zipfile_serialization=False)
    cut.write_bytes(whole.read_bytes()[:300])
    assert main(["check", str(whole)]) == 0
    assert main(["check", str(cut)]) == 2
    assert "cut.pt: a pickle (torch.save's legacy format) that torch cannot read: truncated" in capsys.readouterr().err


def test_zip_archive_that_is_no_checkpoint(tmp_path, capsys):
    import zipfile

    p = tmp_path / "data.pt"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("readme.txt", "not a tensor")
    assert main(["check", str(p)]) == 2
    assert "data.pt: a zip archive, but not a torch.save checkpoint" in capsys.readouterr().err


def test_file_without_tensors_is_an_error_not_all_initialized(tmp_path, capsys):
    path = tmp_path / "meta.pt"
    torch.save({"epoch": 3, "lr": 0.1}, path)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "holds no tensors" in err and "all 0 tensors" not in err


def test_tensors_inside_lists_are_found_and_judged(tmp_path, capsys):
    path = tmp_path / "list.pt"
    torch.save([{"w": torch.full((64, 64), float("nan"))}], path)
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "0.w" in out and "uninitialized" in out


@pytest.mark.parametrize("target", ["fig.xyz", "fig"])
def test_plot_format_is_checked_before_any_work(tmp_path, capsys, target):
    pytest.importorskip("matplotlib")
    path = tmp_path / "m.pt"
    torch.save(_model().state_dict(), path)
    assert main(["check", str(path), "--plot", str(tmp_path / target)]) == 2
    captured = capsys.readouterr()
    assert "use one of:" in captured.err and "png" in captured.err
    assert captured.out == "" and "Traceback" not in captured.err
