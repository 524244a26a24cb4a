"""A `.keras` file written before today's code loads with it: registered names never change."""

import keras
import numpy as np
import pytest

import kerasdnn

from conftest import REPOSITORY

pytestmark = pytest.mark.core

DATA = REPOSITORY / "tests" / "data"


def test_a_committed_model_with_every_registered_object_loads_and_predicts_as_saved():
    # Written by tests/helpers/write_saved_model.py (JAX, commit of this test); see its docstring.
    model = keras.saving.load_model(DATA / "registered_objects.keras")
    with np.load(DATA / "registered_objects.npz") as saved:
        np.testing.assert_allclose(model.predict(saved["x"], verbose=0), saved["predictions"], atol=1e-5)
    layers = {layer.name: layer for layer in model.layers}
    assert isinstance(layers["weight_normalized"], kerasdnn.WeightNormalization)
    assert isinstance(layers["maxout"], kerasdnn.Maxout) and layers["maxout"].pieces == 2
    assert layers["step"].activation is kerasdnn.step
    assert isinstance(layers["weight_normalized"].layer.kernel_initializer, kerasdnn.LSUV)
    assert isinstance(layers["big"].kernel_initializer, kerasdnn.BigRandomNormal)
    assert isinstance(layers["out"].kernel_initializer, kerasdnn.SmallRandomNormal)
    # The optimizer comes back with its state: the one step it took, and PyTorch's coupled decay.
    assert type(model.optimizer).__name__ == "CoupledSGD" and model.optimizer.coupled_weight_decay == 1e-3
    assert int(model.optimizer.iterations) == 1
    # The compiled metrics come back too (NonFiniteBatch among them) and evaluate.
    with np.load(DATA / "registered_objects.npz") as saved:
        logs = model.evaluate(saved["x"], np.arange(16) % 3, verbose=0, return_dict=True)
    assert logs["nonfinite_batch"] == 0 and set(logs) >= {"loss", "accuracy"}
