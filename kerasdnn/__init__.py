"""kerasdnn: the classic techniques for training deep networks, as Keras 3 recipes.

Builders return plain `keras.Model`s; `train` records a run under one folder.

Example:

>>> import kerasdnn
>>> (x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays("mnist")
>>> model = kerasdnn.mlp((28, 28, 1), units=(512, 256, 128), dropout=0.2)
>>> result = kerasdnn.train(model, x_train, y_train, epochs=15,
...                         test_data=(x_test, y_test), output_dir="runs/mnist")
"""

import os
import sys

__version__ = "0.1.0"


def _imported_by_the_command():
    """Whether this process is the `kerasdnn` command.

    The command imports, per subcommand, only what it needs, so that
    `kerasdnn --help` and `kerasdnn zoo list` answer without loading Keras.
    Every other import of kerasdnn loads it whole, at once, so that Keras
    knows the objects kerasdnn registers (a `.keras` file holding them loads
    after a plain `import kerasdnn`).
    """
    command = os.path.basename(getattr(sys, "argv", [""])[0] or "")
    return os.path.splitext(command)[0] == "kerasdnn"


if not _imported_by_the_command():
    from kerasdnn import quiet

    # First, without the start-up lines that read as failures on a CPU-only
    # machine: where it is installed TensorFlow is imported anyway, by the
    # TensorFlow backend, by tensorflow-datasets, and by
    # keras.utils.set_random_seed on any backend. Where it is not, JAX and
    # PyTorch need none of it.
    quiet.import_tensorflow_if_installed()

    from kerasdnn import (
        activations,
        autodiff,
        callbacks,
        choices,
        initializers,
        normalizations,
        optimizers,
        regularizers,
        reporting,
        run_state,
        zoo,
    )
    from kerasdnn.activations import Maxout, activation_layer, step
    from kerasdnn.blocks import apply_layers, conv_block, default_initializer, dense_block
    from kerasdnn.data import (
        DatasetNotFoundError,
        Normalization,
        fit_normalization,
        load_arrays,
        load_dataset,
        make_dataset,
        split_validation,
        synthetic_arrays,
    )
    from kerasdnn.distribute import default_strategy
    from kerasdnn.initializers import LSUV, BigRandomNormal, SmallRandomNormal, lsuv_initialize
    from kerasdnn.models import cnn, lstm, mlp
    from kerasdnn.normalizations import WeightNormalization
    from kerasdnn.plotting import plot_history
    from kerasdnn.results import write_json
    from kerasdnn.training import train
