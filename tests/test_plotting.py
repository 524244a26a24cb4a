"""The plots draw what their arguments say: each figure is read back from its axes before it is saved."""

import math

import numpy as np
import pytest
from matplotlib.container import BarContainer
from matplotlib.contour import ContourSet

from kerasdnn import plotting

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def drawn(monkeypatch):
    """Keeps each figure a plot function draws (it is still written to its path) instead of freeing it."""
    figures = []

    def keep(figure, path):
        figures.append(figure)
        figure.savefig(path, dpi=20)
        return path

    monkeypatch.setattr(plotting, "_save", keep)
    yield figures
    for figure in figures:
        plotting.pyplot_module().close(figure)


def line_data(axis):
    """Each line's label: (x values, y values, line style)."""
    return {
        line.get_label(): (list(line.get_xdata()), list(line.get_ydata()), line.get_linestyle())
        for line in axis.get_lines()
    }


def same(values, expected):
    """Equal element by element, NaN equal to NaN."""
    return len(values) == len(expected) and all(
        (math.isnan(a) and math.isnan(b)) if isinstance(b, float) and math.isnan(b) else a == b
        for a, b in zip(values, expected)
    )


def test_each_plot_writes_a_png_making_its_folder(tmp_path):
    path = tmp_path / "new" / "folder" / "curves.png"

    returned = plotting.plot_curves({"a": [1.0, 2.0]}, str(path), ylabel="loss")

    assert returned == str(path)
    assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_plot_history_draws_one_panel_per_metric_training_solid_validation_dashed_gaps_for_none(drawn, tmp_path):
    history = {
        "loss": [1.0, None, 0.5],
        "val_loss": [1.2, 0.9, 0.7],
        "accuracy": [0.5, 0.6, 0.7],
        "val_accuracy": [0.4, 0.55, 0.65],
        "epoch_seconds": [3.0, 1.0, 1.0],
        "learning_rate": [0.1, 0.05, 0.01],
    }

    plotting.plot_history(history, str(tmp_path / "history.png"), title="net")

    (figure,) = drawn
    axes = figure.axes
    assert [axis.get_title() for axis in axes] == ["loss", "accuracy"]
    assert figure._suptitle.get_text() == "net"
    loss = line_data(axes[0])
    assert set(loss) == {"loss", "val_loss"}
    assert loss["loss"][0] == [1, 2, 3]
    assert same(loss["loss"][1], [1.0, math.nan, 0.5])
    assert loss["loss"][2] == "-"
    assert loss["val_loss"][1] == [1.2, 0.9, 0.7]
    assert loss["val_loss"][2] == "--"
    assert line_data(axes[1])["val_accuracy"][1] == [0.4, 0.55, 0.65]


def test_plot_history_without_validation_draws_the_training_lines_only(drawn, tmp_path):
    plotting.plot_history({"loss": [0.9, 0.8]}, str(tmp_path / "history.png"))

    (figure,) = drawn
    assert list(line_data(figure.axes[0])) == ["loss"]


def test_plot_confusion_matrix_puts_true_classes_on_rows_and_predictions_on_columns(drawn, tmp_path):
    # Not symmetric, so a transposed drawing reads differently.
    matrix = np.array([[7, 2, 0], [0, 5, 1], [3, 0, 8]])

    plotting.plot_confusion_matrix(matrix, str(tmp_path / "confusion.png"), labels=["a", "b", "c"], title="t")

    (figure,) = drawn
    axis = figure.axes[0]
    texts = {(round(text.get_position()[0]), round(text.get_position()[1])): text for text in axis.texts}
    # Text positions are (x = column, y = row); zeros are not written.
    assert {position: text.get_text() for position, text in texts.items()} == {
        (0, 0): "7",
        (1, 0): "2",
        (1, 1): "5",
        (2, 1): "1",
        (0, 2): "3",
        (2, 2): "8",
    }
    # Counts above half the largest are white on the dark cells.
    assert texts[(2, 2)].get_color() == "white" and texts[(1, 0)].get_color() == "black"
    assert axis.get_xlabel() == "predicted" and axis.get_ylabel() == "true"
    assert [label.get_text() for label in axis.get_xticklabels()] == ["a", "b", "c"]
    assert (axis.images[0].get_array() == matrix).all()


def test_plot_comparison_draws_each_series_value_leaves_none_out_and_errors_only_where_given(drawn, tmp_path):
    plotting.plot_comparison(
        ["x", "y", "z"],
        {"reference": [0.9, None, 0.7], "kerasdnn": [0.95, 0.85, 0.75]},
        str(tmp_path / "comparison.png"),
        ylabel="accuracy",
        ylim=(0.5, 1.0),
        errors={"kerasdnn": [0.01, None, 0.03]},
    )

    (figure,) = drawn
    axis = figure.axes[0]
    reference, ours = [container for container in axis.containers if isinstance(container, BarContainer)]
    assert [bar.get_height() for bar in reference] == [0.9, 0.7]
    assert [bar.get_height() for bar in ours] == [0.95, 0.85, 0.75]
    # Two series share each group: the first left of the group's tick, the second right of it.
    assert [round(bar.get_x() + bar.get_width() / 2, 6) for bar in reference] == [-0.2, 1.8]
    assert [round(bar.get_x() + bar.get_width() / 2, 6) for bar in ours] == [0.2, 1.2, 2.2]
    assert reference.errorbar is None
    (error_lines,) = ours.errorbar.lines[2]
    spans = [round(segment[1][1] - segment[0][1], 6) for segment in error_lines.get_segments()]
    assert spans == [0.02, 0.0, 0.06]
    assert axis.get_ylim() == (0.5, 1.0)
    assert axis.get_ylabel() == "accuracy"


def test_plot_curves_starts_at_epoch_one_leaves_gaps_for_none_and_sets_a_log_axis(drawn, tmp_path):
    plotting.plot_curves(
        {"sgd": [2.0, None, 0.5], "adam": [1.0, 0.1]}, str(tmp_path / "curves.png"), ylabel="loss", logy=True
    )
    plotting.plot_curves({"sgd": [2.0]}, str(tmp_path / "linear.png"), ylabel="loss", xlabel="step")

    logarithmic, linear = drawn
    lines = line_data(logarithmic.axes[0])
    assert lines["sgd"][0] == [1, 2, 3]
    assert same(lines["sgd"][1], [2.0, math.nan, 0.5])
    assert lines["adam"][0] == [1, 2]
    assert logarithmic.axes[0].get_yscale() == "log"
    assert linear.axes[0].get_yscale() == "linear"
    assert linear.axes[0].get_xlabel() == "step"


def test_plot_image_grid_fills_rows_of_columns_in_order_with_their_titles(drawn, tmp_path):
    images = [np.full((4, 4, 1), value, dtype=np.float32) for value in range(7)]

    plotting.plot_image_grid(images, [f"#{i}" for i in range(7)], str(tmp_path / "grid.png"), columns=3)

    (figure,) = drawn
    assert len(figure.axes) == 9  # 3 rows of 3
    shown = [axis for axis in figure.axes if axis.images]
    assert [axis.get_title() for axis in shown] == [f"#{i}" for i in range(7)]
    assert [float(axis.images[0].get_array()[0, 0]) for axis in shown] == [float(i) for i in range(7)]
    assert shown[0].images[0].get_array().shape == (4, 4)


def test_plot_decision_boundaries_draws_the_boundary_where_the_classifier_changes_its_mind(drawn, tmp_path):
    points = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]], dtype=np.float32)
    targets = np.array([0, 1, 0, 1])
    seen = []

    def left_or_right(grid):
        # Class 1 right of x = 0.3, whatever y is: the boundary is a vertical line.
        seen.append(grid)
        return 1 / (1 + np.exp(-20 * (grid[:, 0] - 0.3)))

    plotting.plot_decision_boundaries(
        {"vertical": (left_or_right, targets)}, points, str(tmp_path / "boundaries.png"), resolution=41
    )

    (figure,) = drawn
    (grid,) = seen
    assert grid.shape == (41 * 41, 2)
    assert grid[:, 0].min() == pytest.approx(-1.5) and grid[:, 1].max() == pytest.approx(1.5)
    axis = figure.axes[0]
    (line,) = [c for c in axis.collections if isinstance(c, ContourSet) and list(c.levels) == [0.5] and not c.filled]
    boundary = np.concatenate(line.allsegs[0])
    assert np.allclose(boundary[:, 0], 0.3, atol=0.05)
    assert boundary[:, 1].max() - boundary[:, 1].min() > 2.5
    assert axis.get_title() == "vertical"
