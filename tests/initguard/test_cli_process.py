"""The real ``initguard`` executable (console script and ``python -m initguard``) in child processes: closed
pipes, missing optional packages, unreadable files, ``--version`` and ``--help``."""

from __future__ import annotations

import json
import struct
import subprocess

import pytest
import torch
import torch.nn as nn

from tests.initguard._process import command, environment, run


def _save_good(path, n_layers: int = 2):
    torch.manual_seed(0)
    m = nn.Sequential(*[nn.Linear(32, 32) for _ in range(n_layers)])
    with torch.no_grad():
        for layer in m:
            nn.init.normal_(layer.weight, std=0.02)
            nn.init.zeros_(layer.bias)
    torch.save(m.state_dict(), path)
    return path


def _assert_clean_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    """Exit 2 with a one-line message naming ``needles``; no traceback, nothing on stdout."""
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("initguard: "), proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


# --------------------------------------------------------------------------------------------- pipes
@pytest.mark.parametrize("how,args,code", [("module", ["check", "x.pt"], 141), ("script", ["check", "x.pt"], 141),
                                           ("module", ["--help"], 0)])  # argparse ends --help with 0 itself
def test_reader_closing_stdout_is_quiet(tmp_path, how, args, code):
    # `initguard check x.pt | true`: the reader is gone before initguard writes its first byte
    _save_good(tmp_path / "x.pt")
    proc = subprocess.Popen(command(how) + args, cwd=tmp_path, env=environment(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=180) == code  # 141 = 128 + SIGPIPE, what a shell reports for `yes | head -1`
    assert err == ""  # no BrokenPipeError traceback, no "Exception ignored ... BrokenPipeError"


def test_head_reading_one_line_of_a_long_output(tmp_path):
    # far more JSON than a pipe buffer holds, so `head -1` must close the pipe mid-write
    ckpt = tmp_path / "many.pt"
    torch.save({f"w{i}": torch.randn(4, 4) * 0.02 for i in range(3000)}, ckpt)
    cmd = " ".join(command("module")) + f" check {ckpt} --format json | head -1"
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=tmp_path, env=environment(tmp_path),
                          capture_output=True, text=True, timeout=180)
    assert proc.stdout == "{\n"
    assert proc.stderr == ""
    assert proc.returncode == 141


# ----------------------------------------------------------------------------------- missing extras
def test_plot_without_matplotlib_names_the_extra_and_exits_2(tmp_path):
    ckpt = _save_good(tmp_path / "good.pt")
    proc = run(tmp_path, "check", str(ckpt), "--plot", "fig.png", missing=("matplotlib",))
    _assert_clean_error(proc, "--plot needs matplotlib", "`plot` extra", "drop --plot")
    assert not (tmp_path / "fig.png").exists()
    assert run(tmp_path, "check", str(ckpt), missing=("matplotlib",)).returncode == 0  # without --plot: fine


def test_linter_only_install_names_the_guard_extra(tmp_path):
    (tmp_path / "x.pt").write_bytes(b"anything")  # never read: torch is checked first
    proc = run(tmp_path, "check", "x.pt", missing=("torch",))
    _assert_clean_error(proc, "initguard check needs torch", "torch is not installed", "`guard` extra")
    help_text = run(tmp_path, "--help", missing=("torch",))  # help works without torch
    assert help_text.returncode == 0 and "exit status" in help_text.stdout


# ---------------------------------------------------------------------------------- unreadable files
def test_text_file(tmp_path):
    (tmp_path / "notes.txt").write_text("101 things to remember\nsecond line\n")
    _assert_clean_error(run(tmp_path, "check", "notes.txt"), "cannot read notes.txt: a text file, not a checkpoint",
                        "'101 things to remember'")


def test_empty_file(tmp_path):
    (tmp_path / "empty.pt").write_bytes(b"")
    _assert_clean_error(run(tmp_path, "check", "empty.pt"), "cannot read empty.pt: the file is empty (0 bytes)")


def test_missing_file(tmp_path):
    _assert_clean_error(run(tmp_path, "check", "nowhere.pt"), "cannot read nowhere.pt: no such file")


def test_directory_names_the_checkpoint_files_inside(tmp_path):
    (tmp_path / "run").mkdir()
    _save_good(tmp_path / "run" / "model.pt")
    (tmp_path / "run" / "config.json").write_text("{}")
    _assert_clean_error(run(tmp_path, "check", "run"), "cannot read run: it is a directory",
                        "it contains model.pt: pass one of those")


def test_binary_file_that_is_no_checkpoint(tmp_path):
    (tmp_path / "noise.bin").write_bytes(bytes(range(7, 200)) * 4)
    _assert_clean_error(run(tmp_path, "check", "noise.bin"), "cannot read noise.bin: not a torch.save checkpoint")


def _malicious_pickle(marker) -> bytes:
    """A pickle that would run ``os.system("touch <marker>")`` when unpickled, written opcode by opcode (never
    created by pickling a live object, never loaded here)."""
    arg = f"touch {marker}".encode()
    return (b"\x80\x02"  # PROTO 2
            + b"cos\nsystem\n"  # GLOBAL os.system
            + b"X" + struct.pack("<I", len(arg)) + arg  # BINUNICODE the shell command
            + b"\x85"  # TUPLE1
            + b"R"  # REDUCE: call os.system(command)
            + b".")  # STOP


@pytest.mark.parametrize("how", ["module", "script"])
def test_malicious_pickle_is_refused_without_torch_advice(tmp_path, how):
    marker = tmp_path / "pwned"
    (tmp_path / "evil.pt").write_bytes(_malicious_pickle(marker))
    proc = run(tmp_path, "check", "evil.pt", how=how)
    _assert_clean_error(proc, "cannot read evil.pt: refused: it contains pickled code",
                        "`os.system`", "initguard loads only plain tensors")
    assert "weights_only` set to `False`" not in proc.stderr and "weights_only=False" not in proc.stderr
    assert not marker.exists()


# --------------------------------------------------------------------------- version, -m, plain help
def test_version(tmp_path):
    proc = run(tmp_path, "--version")
    assert proc.returncode == 0 and proc.stdout.startswith("initguard (initcheck 0."), proc.stdout + proc.stderr


def test_python_dash_m_is_the_console_script(tmp_path):
    ckpt = _save_good(tmp_path / "good.pt")
    by_module = run(tmp_path, "check", str(ckpt), "--format", "json")
    by_script = run(tmp_path, "check", str(ckpt), "--format", "json", how="script")
    assert by_module.returncode == by_script.returncode == 0, by_module.stderr + by_script.stderr
    assert json.loads(by_module.stdout) == json.loads(by_script.stdout)


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"]])
def test_help_is_plain_text_and_lists_exit_codes(tmp_path, args):
    proc = run(tmp_path, *args)
    assert proc.returncode == 0, proc.stderr
    assert "``" not in proc.stdout and ":mod:" not in proc.stdout and ":class:" not in proc.stdout
    for code in ("0 ", "1 ", "2 ", "141 "):
        assert f"\n  {code}" in proc.stdout
