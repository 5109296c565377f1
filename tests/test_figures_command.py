"""`mesaverify figures` and `mesaverify bench` are subcommands; figures draws every figure with its caption."""
import subprocess
import sys

import pytest

from mesaverify.cli import build_parser, main

FIGURES = ("ab_gaussian", "readout_gaussian", "ab_sparse", "readout_sparse", "heatmaps_ones", "gaussian_init")


@pytest.mark.parametrize("command", ["figures", "bench"])
def test_help_has_a_description_defaults_and_an_example(command):
    proc = subprocess.run([sys.executable, "-m", "mesaverify", command, "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    _, examples = proc.stdout.split("\nexample", 1)  # "example:" or "examples:", then one command a line
    assert f"\n  mesaverify {command}" in examples
    assert "(default" in proc.stdout


@pytest.mark.slow
def test_figures_draws_every_figure_as_png_and_pdf_with_captions(tmp_path, capsys):
    assert main(["figures", "--m", "40", "--epochs", "3", "--T", "6", "--out", str(tmp_path)]) == 0
    for name in FIGURES:
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert (tmp_path / f"{name}.pdf").read_bytes()[:4] == b"%PDF"
    readme = (tmp_path / "README.md").read_text()
    assert all(f"`{name}.png`" in readme for name in FIGURES)
    assert "std 1 as in [Z]'s implementation" in readme.replace("\\", "")
    assert capsys.readouterr().out.startswith("figures: ")


def test_figures_refuses_bad_sizes(capsys):
    assert main(["figures", "--epochs", "0", "--out", "/nonexistent-never"]) == 2
    assert "--epochs must be >= 1" in capsys.readouterr().err


def test_quick_uses_the_quick_sizes():
    args = build_parser().parse_args(["figures", "--quick"])
    assert args.quick and args.m is None and args.epochs is None
