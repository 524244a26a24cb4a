"""The `tf.distribute` strategy for the machine, or the cluster, a run is on."""

import json
import os


def default_strategy():
    """Picks the `tf.distribute` strategy for the devices and cluster at hand.

    In order: a `TF_CONFIG` environment variable naming more than one task
    gives `MultiWorkerMirroredStrategy` (synchronous data parallelism across
    machines, gradients all-reduced every step); a reachable TPU gives
    `TPUStrategy`; more than one visible GPU gives `MirroredStrategy`;
    anything else the default single-device strategy. Build and train the
    model under its scope:

    >>> strategy = kerasdnn.default_strategy()
    >>> with strategy.scope():
    ...     model = kerasdnn.mlp((28, 28, 1), units=(512, 256, 128))
    ...     kerasdnn.train(model, x_train, y_train, batch_size=128 * strategy.num_replicas_in_sync)

    `MultiWorkerMirroredStrategy` must be created before TensorFlow runs
    anything else in the process, so call this first. `batch_size` is the
    global batch, split across the replicas.

    Returns:
        A `tf.distribute.Strategy`.

    Raises:
        ValueError: If `TF_CONFIG` is set but is not a JSON object with a
            `cluster` and a `task`.
    """
    import tensorflow as tf

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
