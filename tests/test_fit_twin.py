"""The model `train` fits in place of the caller's: a logits twin where the loss allows it, a plain twin otherwise."""

import keras
import numpy as np
import pytest

from kerasdnn.fit_twin import fit_twin, sharing_state

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("fit_twin")

X = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")


def _classifier(activation="softmax", use_bias=True, activity_regularizer=None, functional=True, name="net"):
    layers = [
        keras.layers.Dense(5, activation="relu"),
        keras.layers.Dense(
            3,
            activation=activation,
            use_bias=use_bias,
            activity_regularizer=activity_regularizer,
            bias_initializer="random_normal",  # a bias of zeros would hide one left out
        ),
    ]
    if not functional:
        return keras.Sequential([keras.Input((4,)), *layers], name=name)
    inputs = keras.Input((4,))
    return keras.Model(inputs, layers[1](layers[0](inputs)), name=name)


def _softmax(logits):
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _same_variables(twin, model):
    return {id(variable) for variable in twin.weights} == {id(variable) for variable in model.weights}


@pytest.mark.parametrize("functional", [True, False])
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize(
    "loss, expected",
    [
        ("sparse_categorical_crossentropy", keras.losses.SparseCategoricalCrossentropy),
        ("categorical_crossentropy", keras.losses.CategoricalCrossentropy),
    ],
)
def test_a_softmax_classifier_is_fitted_on_its_logits_with_the_loss_taking_logits(functional, use_bias, loss, expected):
    model = _classifier(use_bias=use_bias, functional=functional)
    twin, fitted_loss = fit_twin(model, loss, ["accuracy", "sparse_top_k_categorical_accuracy"])
    assert twin is not model and twin.name == "net_logits" and _same_variables(twin, model)
    assert type(fitted_loss) is expected and fitted_loss.get_config()["from_logits"] is True
    logits = keras.ops.convert_to_numpy(twin(X))
    # The logits by hand, from the output layer's own kernel and bias.
    hidden = keras.ops.convert_to_numpy(model.layers[-2](X))
    output = model.layers[-1]
    by_hand = hidden @ keras.ops.convert_to_numpy(output.kernel)
    if use_bias:
        by_hand += keras.ops.convert_to_numpy(output.bias)
    np.testing.assert_allclose(logits, by_hand, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_softmax(logits), keras.ops.convert_to_numpy(model(X)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "model_options, loss, metrics",
    [
        ({}, "mse", ["accuracy"]),  # a loss without a logits form
        ({}, keras.losses.SparseCategoricalCrossentropy(), ["accuracy"]),  # a loss object, not a name
        ({}, "sparse_categorical_crossentropy", ["accuracy", "auc"]),  # a metric that reads probabilities
        ({}, "sparse_categorical_crossentropy", ["mae"]),  # another that does
        ({}, "sparse_categorical_crossentropy", [keras.metrics.SparseCategoricalAccuracy()]),  # a metric object
        ({"activation": "sigmoid"}, "sparse_categorical_crossentropy", ["accuracy"]),  # no softmax
        ({"activity_regularizer": "l2"}, "sparse_categorical_crossentropy", ["accuracy"]),  # reads the probabilities
    ],
)
def test_other_models_get_a_twin_with_the_same_outputs_and_their_own_loss(model_options, loss, metrics):
    model = _classifier(**model_options)
    twin, fitted_loss = fit_twin(model, loss, metrics)
    assert twin is not model and twin.name == "net_fit" and _same_variables(twin, model)
    assert fitted_loss is loss
    np.testing.assert_allclose(keras.ops.convert_to_numpy(twin(X)), keras.ops.convert_to_numpy(model(X)))


def test_an_output_layer_called_twice_gets_a_plain_twin_with_the_models_outputs():
    shared = keras.layers.Dense(4, activation="softmax")
    inputs = keras.Input((4,))
    # Called twice: its `input` is its first call's, whose logits are not the model's.
    model = keras.Model(inputs, shared(shared(inputs)), name="shared")
    twin, loss = fit_twin(model, "sparse_categorical_crossentropy", ["accuracy"])
    assert twin.name == "shared_fit" and loss == "sparse_categorical_crossentropy"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(twin(X)), keras.ops.convert_to_numpy(model(X)))


class _Subclassed(keras.Model):
    def __init__(self):
        super().__init__(name="subclassed")
        self.dense = keras.layers.Dense(3, activation="softmax")

    def call(self, inputs):
        return self.dense(inputs)


def test_subclassed_and_multi_output_models_are_fitted_themselves():
    subclassed = _Subclassed()
    subclassed(X)
    assert fit_twin(subclassed, "sparse_categorical_crossentropy", ["accuracy"]) == (
        subclassed,
        "sparse_categorical_crossentropy",
    )
    inputs = keras.Input((4,))
    two = keras.Model(inputs, [keras.layers.Dense(3, activation="softmax")(inputs), keras.layers.Dense(1)(inputs)])
    assert fit_twin(two, "sparse_categorical_crossentropy", ["accuracy"]) == (two, "sparse_categorical_crossentropy")


def test_sharing_state_lets_the_callers_model_sync_the_twins_state_only_while_fitting(monkeypatch):
    model = _classifier()
    twin, _ = fit_twin(model, "sparse_categorical_crossentropy", ["accuracy"])
    synced = []
    with sharing_state(model, model):  # the model fitted itself: nothing to share
        assert "jax_state_sync" not in vars(model)
    monkeypatch.setattr(keras.backend, "backend", lambda: "tensorflow")
    with sharing_state(model, twin):  # only JAX keeps a fit's state outside the variables
        assert "jax_state_sync" not in vars(model)
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    monkeypatch.setattr(type(twin), "jax_state_sync", lambda self: synced.append(self.name), raising=False)
    monkeypatch.setattr(type(model), "jax_state_sync", lambda self: synced.append(self.name), raising=False)
    with sharing_state(model, twin):
        model.jax_state_sync()
    assert synced == ["net_logits", "net"]  # the twin's state first, then the model's own
    assert "jax_state_sync" not in vars(model)
    with pytest.raises(RuntimeError), sharing_state(model, twin):
        raise RuntimeError("a callback failed")
    assert "jax_state_sync" not in vars(model)  # removed however the fit ends


class _NoReadableInput(keras.layers.Dense):
    """A softmax Dense layer whose `input` Keras cannot give (a layer of several inputs raises so)."""

    @property
    def input(self):
        raise ValueError("no single input")


def test_a_softmax_output_whose_input_cannot_be_read_gets_a_plain_twin():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, _NoReadableInput(3, activation="softmax")(inputs))
    twin, loss = fit_twin(model, "sparse_categorical_crossentropy", ["accuracy"])
    assert loss == "sparse_categorical_crossentropy" and twin.name == f"{model.name}_fit"
    np.testing.assert_allclose(twin.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
