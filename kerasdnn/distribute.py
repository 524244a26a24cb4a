"""How a run spreads over the devices and machines it is on, per Keras backend."""

import contextlib
import json
import os
from collections.abc import Iterator
from typing import Any

import keras

from kerasdnn import keras_internals, quiet


def default_strategy() -> Any:
    """Picks how to spread training over the devices and machines at hand, for the Keras backend in use.

    TensorFlow backend, in order: a `TF_CONFIG` environment variable naming
    more than one task gives `tf.distribute.MultiWorkerMirroredStrategy`
    (synchronous data parallelism across machines, gradients all-reduced
    every step); a reachable TPU gives `TPUStrategy`; more than one visible
    GPU gives `MirroredStrategy`; anything else the default single-device
    strategy. Build the model under its scope:

    >>> strategy = kerasdnn.default_strategy()
    >>> with strategy.scope():
    ...     model = kerasdnn.mlp((28, 28, 1), units=(512, 256, 128))
    ...     kerasdnn.train(model, x_train, y_train, batch_size=128 * strategy.num_replicas_in_sync)

    `MultiWorkerMirroredStrategy` must be created before TensorFlow runs
    anything else in the process, so call this first. `batch_size` is the
    global batch, split across the replicas.

    JAX backend: several processes are joined first when
    `KERAS_DISTRIBUTION_JOB_ADDRESSES`, `KERAS_DISTRIBUTION_NUM_PROCESSES`
    and `KERAS_DISTRIBUTION_PROCESS_ID` are set (`keras.distribution.initialize`,
    which runs `jax.distributed.initialize`; on CPUs the processes exchange
    gradients through Gloo); then more than one device, in this process or
    in all of them, gives `keras.distribution.DataParallel` over all of them,
    which Keras applies to every model once set. Across processes each feeds
    its own share of every batch: `kerasdnn.train` splits array inputs
    itself (see `process_shard`), and a `tf.data.Dataset` you pass must be
    sharded by you (`dataset.shard(count, index)`), as the distribution
    does not shard datasets:

    >>> distribution = kerasdnn.default_strategy()
    >>> if distribution is not None:
    ...     keras.distribution.set_distribution(distribution)

    PyTorch backend: `None` (Keras distributes PyTorch models only through
    PyTorch's own tools).

    Returns:
        A `tf.distribute.Strategy` (TensorFlow), a
        `keras.distribution.DataParallel` or `None` (JAX), `None` (PyTorch).

    Raises:
        ValueError: If `TF_CONFIG` is set but is not a JSON object with a
            `cluster` and a `task`.
    """
    backend = keras.backend.backend()
    if backend == "jax":
        return _jax_distribution()
    if backend != "tensorflow":
        return None
    tf = quiet.import_tensorflow()

    if _cluster_size() > 1:
        return tf.distribute.MultiWorkerMirroredStrategy()
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    except (ValueError, RuntimeError, tf.errors.NotFoundError):
        pass  # no TPU here
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def _jax_distribution():
    if os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES"):
        keras.distribution.initialize()  # reads the KERAS_DISTRIBUTION_* variables
    devices = keras.distribution.list_devices()
    if len(devices) < 2:
        return None
    # Inputs arrive already split per process (process_shard), so Keras must
    # not shard them again.
    return keras.distribution.DataParallel(devices=devices, auto_shard_dataset=False)


def process_shard() -> tuple[int, int] | None:
    """This process's share of each batch when several JAX processes train one model.

    Returns:
        `(process_index, process_count)` when a Keras distribution spans more
        than one JAX process, else `None`.
    """
    if keras.backend.backend() != "jax" or keras.distribution.distribution() is None:
        return None
    import jax

    return (jax.process_index(), jax.process_count()) if jax.process_count() > 1 else None


def _cluster_size():
    """Number of tasks `TF_CONFIG` names; 0 when it is not set."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        return 0
    try:
        config = json.loads(text)
        if not {"type", "index"} <= set(config["task"]):
            raise KeyError("task needs 'type' and 'index'")
        return sum(len(addresses) for addresses in config["cluster"].values())
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(
            "default_strategy(): TF_CONFIG must be a JSON object with a 'cluster' "
            "(task type -> list of host:port) and a 'task' ({'type': ..., 'index': ...}); "
            f"received {text!r} ({error})"
        ) from None


def is_multi_worker(model: keras.Model) -> bool:
    """Whether `model` was built under TensorFlow's `MultiWorkerMirroredStrategy`."""
    if keras.backend.backend() != "tensorflow":
        return False
    tf = quiet.import_tensorflow()

    return isinstance(model.distribute_strategy, tf.distribute.MultiWorkerMirroredStrategy)


# The Keras releases whose TensorFlow trainer the workaround below was
# written against and tested with (tests/test_distribute.py).
_PATCHED_KERAS = ((3, 10), (3, 15))


@contextlib.contextmanager
def fit_scope(model: keras.Model) -> Iterator[None]:
    """Enters what `compile`, `fit` and `evaluate` of `model` must run under.

    On TensorFlow, that is the strategy the model was built under. Under
    `MultiWorkerMirroredStrategy`, Keras's `fit` fails
    (keras-team/keras#20585); two narrow workarounds, undone on every exit,
    make it run, and this is the one place kerasdnn touches private Keras
    API. Other backends distribute through `keras.distribution`, which needs
    no scope.

    Raises:
        RuntimeError: Under `MultiWorkerMirroredStrategy` with a Keras
            release outside the tested range.
    """
    if keras.backend.backend() != "tensorflow":
        yield
        return
    strategy = model.distribute_strategy
    if not is_multi_worker(model):
        with strategy.scope():
            yield
        return
    version = tuple(int(part) for part in keras.__version__.split(".")[:2])
    if not _PATCHED_KERAS[0] <= version <= _PATCHED_KERAS[1]:
        raise RuntimeError(
            f"train(): multi-worker training needs a workaround tested with Keras "
            f"{_PATCHED_KERAS[0][0]}.{_PATCHED_KERAS[0][1]} to {_PATCHED_KERAS[1][0]}.{_PATCHED_KERAS[1][1]}; "
            f"received Keras {keras.__version__}"
        )
    tensorflow_trainer = keras_internals.tensorflow_trainer()

    keras_reduce = tensorflow_trainer.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        # Keras averages each step's metrics across workers along axis 0,
        # which scalars do not have; average them as whole values.
        if reduction in ("auto", "mean"):
            return keras.tree.map_structure(lambda value: strategy.reduce("MEAN", value, axis=None), values)
        return keras_reduce(values, strategy, reduction)

    # Keras also reduces the first batch across workers eagerly to build the
    # model, which fails; with no strategy recorded on the model it builds
    # while tracing the train step instead, and under this scope fit still
    # shards the data and all-reduces the gradients.
    recorded, model._distribute_strategy = model._distribute_strategy, None
    tensorflow_trainer.reduce_per_replica = reduce_per_replica
    try:
        with strategy.scope():
            yield
    finally:
        tensorflow_trainer.reduce_per_replica = keras_reduce
        model._distribute_strategy = recorded
