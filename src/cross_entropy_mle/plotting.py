"""Plotting helpers shared by the notebooks: class-probability maps and figure saving."""

import matplotlib.pyplot as plt
import numpy as np

from .config import figures_dir
from .losses import softmax
from .model import linear_predictor

__all__ = ["plot_probability_map", "save_figure"]


def save_figure(fig, name):
    """Save ``fig`` as ``<figures dir>/<name>.png`` and return the path.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        A name that describes the content, e.g. ``"nll-surface"``; no directory, no extension.
    """
    if not isinstance(name, str) or not name or "/" in name or "." in name:
        raise ValueError(f"name must be a plain file stem such as 'nll-surface', got {name!r}")
    out = figures_dir()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    # A fixed dpi and no timestamp metadata: two runs write identical files.
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
    return path


def plot_probability_map(ax, weights, bias, xlim, ylim, resolution=200, cmap="tab10"):
    """Shade a 2-D feature plane by the most probable class, with lightness = its probability.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    weights : array_like of shape (n_classes, 2)
    bias : array_like of shape (n_classes,)
    xlim, ylim : tuple of float
        Plotted range of the two features.
    resolution : int
        Grid points per axis.

    Returns
    -------
    ndarray of shape (resolution, resolution, n_classes)
        The class probabilities on the grid.
    """
    g1, g2 = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    p = softmax(linear_predictor(grid, weights, bias)).reshape(resolution, resolution, -1)
    colors = plt.get_cmap(cmap)(np.arange(p.shape[-1]))[:, :3]
    top = p.argmax(axis=-1)
    strength = p.max(axis=-1)[..., None]
    image = 1 - strength * (1 - colors[top]) * 0.6
    ax.imshow(image, origin="lower", extent=(*xlim, *ylim), aspect="auto")
    ax.contour(g1, g2, top, levels=np.arange(p.shape[-1]) + 0.5, colors="k", linewidths=0.8)
    return p
