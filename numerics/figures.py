"""Plotting for the [Z] simulations (matplotlib, Agg): numbers in, PNG and PDF out.

Every function takes plain arrays and already-evaluated theory values; the
theory itself (derived limits, the ODE solution) is evaluated by the caller.
"""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

COLORS = ("tab:blue", "tab:orange", "tab:green")


def render(fig) -> dict[str, bytes]:
    """The figure as PNG and PDF bytes ({extension: bytes}); the caller writes them."""
    out = {}
    for ext in ("png", "pdf"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, dpi=130, bbox_inches="tight")
        out[ext] = buffer.getvalue()
    plt.close(fig)
    return out


def ab_dynamics(panels: list[dict], title: str):
    """One panel per scale: ab per epoch for each initialisation, the ODE solution drawn over it,
    the derived finite-T limit and the paper's line.

    panel = {"label", "runs": [{"label", "ab", "ode"}], "limit", "paper", "paper_label"}
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        for color, run in zip(COLORS, panel["runs"]):
            epochs = np.arange(len(run["ab"]))
            ax.plot(epochs, run["ab"], color=color, lw=2.2, alpha=0.6, label=f"GD {run['label']}")
            ax.plot(epochs, run["ode"], color="k", lw=0.9, ls=(0, (3, 2)))
        ax.axhline(panel["limit"], color="tab:gray", lw=1.2, label=f"derived limit {panel['limit']:.5g}")
        ax.axhline(panel["paper"], color="tab:red", lw=1.0, ls="--", label=f"{panel['paper_label']} = {panel['paper']:.4g}")
        ax.plot([], [], color="k", lw=0.9, ls=(0, (3, 2)), label="derived ODE, τ = lr·epoch")
        ax.set_title(panel["label"])
        ax.set_xlabel("epoch")
        ax.set_ylabel("ab")
        ax.set_yscale("log")
        ax.legend(fontsize=7)
    fig.suptitle(title)
    return fig


def readout(columns: list[dict], title: str):
    """Two rows (ratio, test error at the last position) × one column per law.

    column = {"label", "curves": [{"label", "ratio", "test_error", "ratio_theory", "error_theory"}],
              "paper_ratio": float | None}
    """
    fig, axes = plt.subplots(2, len(columns), figsize=(4.6 * len(columns), 6.2), squeeze=False)
    for j, col in enumerate(columns):
        for color, c in zip(COLORS, col["curves"]):
            epochs = np.arange(len(c["ratio"]))
            axes[0, j].plot(epochs, c["ratio"], color=color, label=c["label"])
            axes[0, j].axhline(c["ratio_theory"], color=color, lw=0.8, ls=":")
            axes[1, j].plot(epochs, c["test_error"], color=color, label=c["label"])
            axes[1, j].axhline(c["error_theory"], color=color, lw=0.8, ls=":")
        if col.get("paper_ratio") is not None:
            axes[0, j].axhline(col["paper_ratio"], color="tab:red", ls="--", lw=1.0, label=f"[Z] line {col['paper_ratio']}")
        axes[0, j].set_title(f"{col['label']}: ratio ŷ/x at t = T−1 (dotted: derived)")
        axes[1, j].set_title(f"{col['label']}: test error ½‖ŷ − x‖² (dotted: derived)")
        axes[1, j].set_yscale("log")
        for ax in axes[:, j]:
            ax.set_xlabel("epoch")
            ax.legend(fontsize=7)
    fig.suptitle(title)
    return fig


def heatmaps(panels: list[dict], title: str):
    """|W^{KQ}| and |W^{PV}| side by side for each run. panel = {"label", "K", "V"}"""
    fig, axes = plt.subplots(len(panels), 2, figsize=(8, 3.6 * len(panels)), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 1]})
    for row, panel in zip(axes, panels):
        for ax, name in zip(row, ("K", "V")):
            M = np.abs(panel[name])
            im = ax.imshow(M, cmap="viridis")
            ax.set_title(f"{panel['label']}: |W^{'KQ' if name == 'K' else 'PV'}|")
            fig.colorbar(im, ax=ax, fraction=0.046)
    fig.suptitle(title)
    return fig


def trajectories(runs: list[dict], title: str):
    """ab (with its derived limit) and the off-diagonal norm per epoch. run = {"label", "ab", "offdiag", "limit"}"""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for color, run in zip(COLORS, runs):
        epochs = np.arange(len(run["ab"]))
        axes[0].plot(epochs, run["ab"], color=color, label=run["label"])
        axes[0].axhline(run["limit"], color=color, ls=":", lw=0.9)
        axes[1].plot(epochs, run["offdiag"], color=color, label=run["label"])
    axes[0].set_title("ab (dotted: derived limit)")
    axes[1].set_title("off-diagonal norm")
    axes[1].set_yscale("log")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.legend(fontsize=7)
    fig.suptitle(title)
    return fig
