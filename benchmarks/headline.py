"""The headline recipe (zoo record `mnist_bn`) in plain PyTorch, trained eagerly: the benchmarks' yardstick.

The same work as `kerasdnn.zoo.train_model("mnist_bn")`, step for step:

- 784-512-256-128-10: Linear without bias → BatchNorm → ReLU → Dropout(0.2)
  blocks, then a Linear output (softmax in the loss);
- Keras's initializers: `he_normal` (a normal truncated at two standard
  deviations, of variance 2 / fan_in after truncation) for the hidden kernels, `glorot_uniform`
  for the output's, zero biases; BatchNorm with Keras's momentum (0.99 as
  Keras counts it, 0.01 as PyTorch does) and epsilon (1e-3);
- AdamW with the record's rate and decoupled weight decay (applied to every
  weight, as Keras does) and Keras's epsilon (1e-7), the rate cosine-decayed
  to zero per step over the run;
- the record's batch size and epochs, the 55,000/5,000 split, the training
  set shuffled every epoch, validation accuracy after each epoch.

Used by `accelerator.py` (on a GPU) and `time_to_accuracy.py` (on this CPU).
"""

import math
import time

import numpy as np

HIDDEN = (512, 256, 128)
DROPOUT = 0.2
KERAS_BATCH_NORM = {"momentum": 0.01, "eps": 1e-3}
KERAS_ADAM_EPSILON = 1e-7


def record_settings():
    """The training settings of the zoo record `mnist_bn`: epochs, batch size, drop_remainder, learning rate, weight decay."""
    import kerasdnn

    training = kerasdnn.zoo.model_info("mnist_bn").training
    return {
        "epochs": training["epochs"],
        "batch_size": training["batch_size"],
        "drop_remainder": training["drop_remainder"],
        "learning_rate": training["learning_rate"],
        "weight_decay": training["optimizer"]["config"]["weight_decay"],
        "normalization": training["normalization"],
    }


def build(classes=10, inputs=784):
    """The headline net as a `torch.nn.Sequential`, initialized as Keras initializes `mnist_bn`."""
    import torch

    layers, width = [torch.nn.Flatten()], inputs
    for units in HIDDEN:
        linear = torch.nn.Linear(width, units, bias=False)
        # Keras widens the normal before truncating it so that the truncated
        # draw keeps the variance 2 / fan_in (0.8796... is the std of a unit
        # normal truncated at ±2).
        std = math.sqrt(2.0 / width) / 0.87962566103423978
        torch.nn.init.trunc_normal_(linear.weight, std=std, a=-2 * std, b=2 * std)
        layers += [linear, torch.nn.BatchNorm1d(units, **KERAS_BATCH_NORM), torch.nn.ReLU(), torch.nn.Dropout(DROPOUT)]
        width = units
    output = torch.nn.Linear(width, classes)
    torch.nn.init.xavier_uniform_(output.weight)
    torch.nn.init.zeros_(output.bias)
    return torch.nn.Sequential(*layers, output)


def weight_count(model):
    """Parameters and BatchNorm's moving statistics, as Keras's `count_params()` counts them."""
    buffers = sum(buffer.numel() for name, buffer in model.named_buffers() if not name.endswith("num_batches_tracked"))
    return sum(parameter.numel() for parameter in model.parameters()) + buffers


def train_pytorch_eager(
    train,
    validation,
    test,
    *,
    epochs,
    batch_size,
    drop_remainder,
    learning_rate,
    weight_decay,
    seed=0,
    device="cpu",
    compile=False,
    **unused_settings,
):
    """Trains the headline net in PyTorch on `device`; returns its accuracies and seconds.

    Args:
        train, validation, test: `(x, y)` NumPy pairs, images scaled as the record does.
        epochs, batch_size, drop_remainder, learning_rate, weight_decay: As
            `record_settings()` gives them (`drop_remainder`: PyTorch's `drop_last`).
        seed: `torch.manual_seed` of the weights, the shuffles and dropout.
        device: A torch device name (`"cpu"`, `"cuda"`).
        compile: Whether to `torch.compile` the net first.
        **unused_settings: The rest of `record_settings()` (`normalization`,
            applied by `headline_arrays`).

    Returns:
        `test_accuracy`, `val_accuracy` (one per epoch), `epoch_seconds`
        (training and validation of each epoch), `train_seconds` (their
        sum), `parameters` (as Keras counts them), `device`.
    """
    import torch

    torch.manual_seed(seed)
    model = build(inputs=int(np.prod(train[0].shape[1:]))).to(device)
    parameters = weight_count(model)
    network = torch.compile(model) if compile else model

    def tensors(pair):
        return torch.from_numpy(np.ascontiguousarray(pair[0])).to(device), torch.from_numpy(pair[1]).to(device)

    (x, y), (x_validation, y_validation), (x_test, y_test) = tensors(train), tensors(validation), tensors(test)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=learning_rate, weight_decay=weight_decay, eps=KERAS_ADAM_EPSILON
    )
    # The last, smaller batch is a step, as in Keras, unless it is left out.
    batches = len(x) // batch_size if drop_remainder else -(-len(x) // batch_size)
    total_steps = epochs * batches
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps))
    )

    def accuracy(inputs, labels):
        network.eval()
        with torch.no_grad():
            correct = sum(
                int((network(batch).argmax(1) == target).sum())
                for batch, target in zip(inputs.split(1024), labels.split(1024))
            )
        return correct / len(labels)

    seconds, validation_accuracy = [], []
    for _ in range(epochs):
        start = time.perf_counter()
        network.train()
        for batch in torch.randperm(len(x), device=device).split(batch_size)[:batches]:
            optimizer.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(network(x[batch]), y[batch]).backward()
            optimizer.step()
            schedule.step()
        validation_accuracy.append(accuracy(x_validation, y_validation))  # a host sync ends the epoch's work
        seconds.append(time.perf_counter() - start)
    return {
        "test_accuracy": accuracy(x_test, y_test),
        "val_accuracy": validation_accuracy,
        "epoch_seconds": seconds,
        "train_seconds": sum(seconds),
        "parameters": parameters,
        "device": str(device),
    }


def headline_arrays(data_dir=None, smoke=False):
    """The record's data: `(train, validation, test)` as `kerasdnn.zoo.train_model("mnist_bn")` splits them."""
    import kerasdnn

    (x, y), test = kerasdnn.load_arrays(
        "mnist",
        normalization=record_settings()["normalization"],
        data_dir=data_dir,
        train_samples=kerasdnn.data.SMOKE_TRAIN_SAMPLES if smoke else None,
        test_samples=kerasdnn.data.SMOKE_TEST_SAMPLES if smoke else None,
    )
    train, validation = kerasdnn.split_validation(x, y)
    return train, validation, test


def matmul_floor(samples, batch_size=128):
    """Seconds of one epoch's matmuls over `samples` at `batch_size`, as one compiled JAX loop: the best of 3.

    The forward matmuls of 784-512-256-128-10, the weight gradients, and the
    input gradients but the first layer's: what the net's training cannot
    do without, and no more.
    """
    import jax
    import jax.numpy as jnp

    batches, widths = samples // batch_size, (784, *HIDDEN, 10)
    generator = np.random.default_rng(0)
    x = jnp.asarray(generator.normal(size=(batches, batch_size, 784)).astype(np.float32))
    kernels = [jnp.asarray(generator.normal(size=(a, b)).astype(np.float32) * 0.01) for a, b in zip(widths, widths[1:])]

    @jax.jit
    def epoch(x, kernels):
        def step(carry, inputs):
            activations = [inputs]
            for kernel in kernels:  # forward
                activations.append(activations[-1] @ kernel)
            gradient, total = activations[-1], carry
            for layer in reversed(range(len(kernels))):
                total = total + jnp.sum(activations[layer].T @ gradient)
                if layer:
                    gradient = gradient @ kernels[layer].T
            return total, None

        return jax.lax.scan(step, jnp.float32(0), x)[0]

    epoch(x, kernels).block_until_ready()  # compile
    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        epoch(x, kernels).block_until_ready()
        seconds.append(time.perf_counter() - start)
    return min(seconds) * samples / (batches * batch_size)
