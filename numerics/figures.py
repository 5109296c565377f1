"""Plotting for the [Z] simulations (matplotlib, Agg): numbers in, PNG and PDF out.

Every function takes plain arrays and already-evaluated theory values; the
theory itself (derived limits, the ODE solution) is evaluated by the caller.
Figures use constrained layout, one legend per figure (below the panels) and
mathtext for symbols ($W^{KQ}$, $(a_0, b_0)$).
"""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:purple")
STYLE = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8, "xtick.labelsize": 8,
         "ytick.labelsize": 8, "figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.25}
plt.rcParams.update(STYLE)  # type: ignore[arg-type]  # the stub takes only a Literal of every rc name as key, not a dict[str, …] of valid names


def render(fig) -> dict[str, bytes]:
    """The figure as PNG (200 dpi) and PDF bytes ({extension: bytes}); the caller writes them."""
    out = {}
    for ext in ("png", "pdf"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, dpi=200)
        out[ext] = buffer.getvalue()
    plt.close(fig)
    return out


def _legend(fig, handles, ncol):
    fig.legend(handles=handles, loc="outside lower center", ncol=ncol, frameon=False)


def ab_dynamics(panels: list[dict], title: str):
    """One column per scale.  Top: ab per epoch for each initialisation (GD, thick) with the derived ODE
    (black dashes), the derived finite-T limit u* (grey) and the paper's line (red dashes).  Bottom, on a
    linear scale: ab/u* − 1, where the gap between u* and the paper's line is plain.

    panel = {"label", "runs": [{"label", "ab", "ode"}], "limit", "paper", "paper_label"}
    """
    fig, axes = plt.subplots(2, len(panels), figsize=(3.3 * len(panels), 5.4), squeeze=False, sharex="col",
                             layout="constrained", height_ratios=(3, 2))
    for j, panel in enumerate(panels):
        top, bottom = axes[0, j], axes[1, j]
        star = panel["limit"]
        for color, run in zip(COLORS, panel["runs"]):
            epochs = np.arange(len(run["ab"]))
            for ax, scale in ((top, 1.0), (bottom, None)):
                gd = np.asarray(run["ab"]) if scale else np.asarray(run["ab"]) / star - 1
                ode = np.asarray(run["ode"]) if scale else np.asarray(run["ode"]) / star - 1
                ax.plot(epochs, gd, color=color, lw=2.2, alpha=0.55)
                ax.plot(epochs, ode, color="k", lw=0.8, ls=(0, (3, 2)))
        top.axhline(star, color="0.45", lw=1.2)
        top.axhline(panel["paper"], color="tab:red", lw=1.0, ls="--")
        bottom.axhline(0, color="0.45", lw=1.2)
        gap = panel["paper"] / star - 1
        bottom.axhline(gap, color="tab:red", lw=1.0, ls="--")
        bottom.annotate(f"paper's line: {100 * gap:+.1f}%", (0.98, gap), xycoords=("axes fraction", "data"),
                        ha="right", va="bottom", color="tab:red", fontsize=8,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
        span = max(abs(gap), 1e-3)
        bottom.set_ylim(-2.5 * span, 2.0 * span)
        top.set_title(panel["label"] + f": $u^* = {star:.4f}$")
        top.set_ylabel("$ab$")
        bottom.set_ylabel("$ab/u^* - 1$")
        bottom.set_xlabel("epoch")
        bottom.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    handles = [Line2D([], [], color=c, lw=2.2, alpha=0.55, label=f"GD from {r['label']}")
               for c, r in zip(COLORS, panels[0]["runs"])]
    handles += [Line2D([], [], color="k", lw=0.8, ls=(0, (3, 2)), label=r"derived ODE at $\tau = \mathrm{lr}\cdot$epoch"),
                Line2D([], [], color="0.45", lw=1.2, label="derived finite-$T$ limit $u^*$"),
                Line2D([], [], color="tab:red", lw=1.0, ls="--", label=panels[0]["paper_label"])]
    _legend(fig, handles, ncol=3)
    fig.suptitle(title)
    return fig


def readout(columns: list[dict], title: str):
    """Two rows (ratio, test error at the last position) × one column per law; the derived values dotted.

    column = {"label", "curves": [{"label", "ratio", "test_error", "ratio_theory", "error_theory"}],
              "paper_ratio": float | None}
    """
    fig, axes = plt.subplots(2, len(columns), figsize=(max(6.4, 4.4 * len(columns)), 5.6), squeeze=False, sharex=True,
                             layout="constrained")
    for j, col in enumerate(columns):
        for color, c in zip(COLORS, col["curves"]):
            epochs = np.arange(len(c["ratio"]))
            axes[0, j].plot(epochs, c["ratio"], color=color)
            axes[0, j].axhline(c["ratio_theory"], color=color, lw=0.9, ls=":")
            axes[1, j].plot(epochs, c["test_error"], color=color)
            axes[1, j].axhline(c["error_theory"], color=color, lw=0.9, ls=":")
        if col.get("paper_ratio") is not None:
            axes[0, j].axhline(col["paper_ratio"], color="tab:red", ls="--", lw=1.0)
        axes[0, j].set_title(col["label"])
        axes[0, j].set_ylabel(r"ratio $\hat y_{T-1,k}/x_{T,k}$")
        axes[1, j].set_ylabel(r"test error $\frac{1}{2}\|\hat y - x\|^2$")
        axes[1, j].set_yscale("log")
        axes[1, j].set_xlabel("epoch")
    handles = [Line2D([], [], color=c, label=curve["label"]) for c, curve in zip(COLORS, columns[0]["curves"])]
    handles.append(Line2D([], [], color="k", lw=0.9, ls=":", label="derived value at the limit"))
    if any(col.get("paper_ratio") is not None for col in columns):
        handles.append(Line2D([], [], color="tab:red", lw=1.0, ls="--", label="[Z]'s line 1/5"))
    _legend(fig, handles, ncol=3)
    fig.suptitle(title)
    return fig


def _blocks(ax, matrix, d, title, vmax):
    """|matrix| on a log colour scale (entries below 10⁻⁴ of the largest at its floor), lines between its
    d×d blocks, the blocks named on the axes."""
    norm = matplotlib.colors.LogNorm(vmin=vmax * 1e-4, vmax=vmax, clip=True)  # small off-diagonal entries visible
    im = ax.imshow(np.maximum(np.abs(matrix), vmax * 1e-4), cmap="viridis", norm=norm, interpolation="nearest")
    rows, cols = matrix.shape
    for x in range(d, cols, d):
        ax.axvline(x - 0.5, color="w", lw=1.2)
    for y in range(d, rows, d):
        ax.axhline(y - 0.5, color="w", lw=1.2)
    ax.set_xticks([d * k + (d - 1) / 2 for k in range(cols // d)], [f"cols {d * k + 1}–{d * (k + 1)}" for k in range(cols // d)])
    ax.set_yticks([d * k + (d - 1) / 2 for k in range(rows // d)], [f"rows {d * k + 1}–{d * (k + 1)}" for k in range(rows // d)],
                  rotation=90, va="center")
    ax.tick_params(length=0)
    ax.grid(False)
    ax.set_title(title)
    return im


def heatmaps(panels: list[dict], title: str):
    """$|W^{KQ}|$ and $|W^{PV}|$ side by side for each run, block boundaries drawn. panel = {"label", "K", "V"}"""
    d = panels[0]["V"].shape[0]
    vmax = max(float(np.max(np.abs(p[k]))) for p in panels for k in ("K", "V"))
    fig, axes = plt.subplots(len(panels), 2, figsize=(7.2, 3.3 * len(panels)), squeeze=False, layout="constrained",
                             width_ratios=(1, 1))
    for row, panel in zip(axes, panels):
        _blocks(row[0], panel["K"], d, f"{panel['label']}: $|W^{{KQ}}|$", vmax)
        im = _blocks(row[1], panel["V"], d, f"{panel['label']}: $|W^{{PV}}|$", vmax)
    fig.colorbar(im, ax=axes, shrink=0.7, label="|entry| (log scale)")
    fig.suptitle(title)
    return fig


def trajectories(runs: list[dict], title: str):
    """ab (with its derived limit, dotted) and the off-diagonal norm per epoch.
    run = {"label", "ab", "offdiag", "limit"}"""
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.4), layout="constrained")
    for color, run in zip(COLORS, runs):
        epochs = np.arange(len(run["ab"]))
        axes[0].plot(epochs, run["ab"], color=color)
        axes[0].axhline(run["limit"], color=color, ls=":", lw=0.9)
        axes[1].plot(epochs, run["offdiag"], color=color)
    axes[0].set_ylabel("$ab$ (mean of $a_k b_k$)")
    axes[1].set_ylabel("norm of the other entries")
    axes[1].set_yscale("log")
    for ax in axes:
        ax.set_xlabel("epoch")
    handles = [Line2D([], [], color=c, label=r["label"]) for c, r in zip(COLORS, runs)]
    handles.append(Line2D([], [], color="k", ls=":", lw=0.9, label="derived diagonal limit $u^*$"))
    _legend(fig, handles, ncol=len(handles))
    fig.suptitle(title)
    return fig
