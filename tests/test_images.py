import numpy as np
import pytest
from PIL import Image

from kerasdnn import images

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("images")


def test_dark_ink_on_light_paper_becomes_a_centred_mnist_digit(tmp_path):
    paper = np.full((120, 200), 230, np.uint8)
    paper[20:100, 30:50] = 10  # a thick vertical stroke, off centre
    Image.fromarray(paper).save(tmp_path / "one.png")
    digit = images.load_digit(tmp_path / "one.png")
    assert digit.shape == (28, 28, 1) and digit.dtype == np.float32
    assert digit.max() == pytest.approx(255, abs=1) and digit[0].max() == 0 and digit[:, 0].max() == 0
    rows, columns = np.nonzero(digit[..., 0] > 127)
    assert rows.max() - rows.min() + 1 == pytest.approx(20, abs=1)  # longer side fitted to 20 pixels
    weights = digit[..., 0]
    assert (weights.sum(axis=1) * np.arange(28)).sum() / weights.sum() == pytest.approx(13.5, abs=1)


def test_blank_image_is_refused(tmp_path):
    Image.fromarray(np.full((30, 30), 255, np.uint8)).save(tmp_path / "blank.png")
    with pytest.raises(images.ImageError, match=r"^load_digit\(\): .*blank.png is blank: no digit found$"):
        images.load_digit(tmp_path / "blank.png")


def _centre_of_mass(digit):
    weights = digit[..., 0]
    return (
        (weights.sum(axis=1) * np.arange(28)).sum() / weights.sum(),
        (weights.sum(axis=0) * np.arange(28)).sum() / weights.sum(),
    )


def test_the_centre_of_mass_is_moved_to_the_centre_along_each_axis(tmp_path):
    # An L: its mass sits left of and below its bounding box's centre, by different amounts.
    paper = np.zeros((100, 100), np.uint8)
    paper[10:90, 10:30] = 255
    paper[70:90, 10:90] = 255
    Image.fromarray(paper).save(tmp_path / "l.png")
    row, column = _centre_of_mass(images.load_digit(tmp_path / "l.png"))
    assert row == pytest.approx(13.5, abs=0.6) and column == pytest.approx(13.5, abs=0.6)


@pytest.mark.parametrize("paper, ink", [(160, 20), (230, 10), (40, 250), (0, 120)])
def test_ink_is_told_from_paper_by_the_border_whatever_their_shades(tmp_path, paper, ink):
    # Grey paper (160) is still light: its dark ink becomes the bright MNIST stroke.
    page = np.full((60, 60), paper, np.uint8)
    page[15:45, 25:35] = ink
    Image.fromarray(page).save(tmp_path / "digit.png")
    digit = images.load_digit(tmp_path / "digit.png")[..., 0]
    assert digit.max() == pytest.approx(255, abs=1)
    assert digit[0].max() == 0 and digit[:, 0].max() == 0 and digit[13:15, 13:15].min() > 200
