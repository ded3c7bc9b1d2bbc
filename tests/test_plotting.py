"""Figure saving and the class-probability map."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import cross_entropy_mle as ce
from cross_entropy_mle.plotting import plot_probability_map, save_figure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def figures(tmp_path, monkeypatch):
    out = tmp_path / "figures"
    monkeypatch.setenv("CROSS_ENTROPY_MLE_FIGURES", str(out))
    return out


@pytest.fixture
def fig():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [1, 0, 1])
    ax.set_title("a line")
    yield fig
    plt.close(fig)


def test_save_figure_writes_a_png_named_by_content(figures, fig):
    path = save_figure(fig, "nll-surface")
    assert path == figures / "nll-surface.png"
    assert path.read_bytes().startswith(PNG_MAGIC)
    assert sorted(p.name for p in figures.iterdir()) == ["nll-surface.png"]


def test_save_figure_is_deterministic(figures, fig):
    first = save_figure(fig, "same").read_bytes()
    second = save_figure(fig, "same").read_bytes()
    assert first == second


@pytest.mark.parametrize("name", ["", "a/b", "fig.png", "../up", None, 3, "figures/nll"])
def test_save_figure_bad_names(figures, fig, name):
    with pytest.raises(ValueError, match="name must be a plain file stem"):
        save_figure(fig, name)
    assert not figures.exists() or not any(figures.iterdir())


def test_probability_map():
    W = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    b = np.array([0.0, -1.0, 0.5])
    fig, ax = plt.subplots()
    try:
        p = plot_probability_map(ax, W, b, (-3, 3), (-2, 4), resolution=25)
        assert p.shape == (25, 25, 3)
        np.testing.assert_allclose(p.sum(axis=-1), 1.0)
        # Row j of the grid is y = ylim value j, column i is x = xlim value i.
        xs, ys = np.linspace(-3, 3, 25), np.linspace(-2, 4, 25)
        point = np.array([[xs[4], ys[20]]])
        expected = ce.softmax(ce.linear_predictor(point, W, b))[0]
        np.testing.assert_allclose(p[20, 4], expected, rtol=1e-12)
        assert len(ax.images) == 1
        assert ax.images[0].get_extent() == [-3, 3, -2, 4]
    finally:
        plt.close(fig)


def test_probability_map_bad_parameters():
    fig, ax = plt.subplots()
    try:
        with pytest.raises(ValueError, match="weights must have shape"):
            plot_probability_map(ax, np.zeros((3, 3)), np.zeros(3), (0, 1), (0, 1), resolution=5)
    finally:
        plt.close(fig)
