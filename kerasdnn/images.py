"""Turning a photo or scan of a handwritten digit into an MNIST-like input."""

import numpy as np


class ImageError(ValueError):
    """Raised when an image file is missing or cannot be decoded."""


def load_digit(path: str) -> np.ndarray:
    """Reads an image of one digit and prepares it the way MNIST digits were made.

    MNIST digits are white on black, fitted into a 20×20 box that keeps their
    aspect ratio and centred by their centre of mass in a 28×28 field. This
    does the same to an image of any size: converts it to grayscale, inverts
    it when the background is light (dark ink on paper), crops to the ink,
    scales the longer side to 20 pixels and centres it by mass.

    Example:

    >>> pixels = kerasdnn.images.load_digit("my_seven.png")   # (28, 28, 1), 0..255
    >>> model.predict(pixels[None] / 255.0)

    Args:
        path: A PNG, JPEG or other file Pillow can read.

    Returns:
        A float32 array of shape `(28, 28, 1)` with values in `[0, 255]`.

    Raises:
        ImageError: If the file is missing, cannot be decoded, or is blank.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            gray = np.asarray(image.convert("L"), dtype=np.float32)
    except FileNotFoundError:
        raise ImageError(f"load_digit(): no such file: {path}") from None
    except (UnidentifiedImageError, OSError) as error:
        raise ImageError(f"load_digit(): cannot read {path} as an image ({error})") from None

    # The border is mostly background: if it is light, the ink is dark.
    if np.median(_border(gray)) > 127:
        gray = 255.0 - gray
    gray = np.clip(gray - np.median(_border(gray)), 0, 255)
    if gray.max() <= 0:
        raise ImageError(f"load_digit(): {path} is blank: no digit found")
    rows, columns = np.nonzero(gray > 0.2 * gray.max())
    ink = gray[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]

    height, width = ink.shape
    scale = 20.0 / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    box = np.asarray(Image.fromarray(ink).resize(size, Image.Resampling.LANCZOS), dtype=np.float32)
    box = np.clip(box * (255.0 / max(box.max(), 1e-6)), 0, 255)

    field = np.zeros((28, 28), np.float32)
    top, left = (28 - box.shape[0]) // 2, (28 - box.shape[1]) // 2
    field[top : top + box.shape[0], left : left + box.shape[1]] = box
    # Shift so the centre of mass sits at the centre, as MNIST's creators did.
    total = field.sum()
    center_row = (field.sum(axis=1) * np.arange(28)).sum() / total
    center_column = (field.sum(axis=0) * np.arange(28)).sum() / total
    field = np.roll(field, (round(13.5 - center_row), round(13.5 - center_column)), axis=(0, 1))
    return field[..., None]


def _border(pixels):
    return np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
