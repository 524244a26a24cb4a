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
