"""Seconds per epoch of the headline BN-MLP: kerasdnn, plain Keras, PyTorch, and the roofline.

Trains 784-512-256-128-10 (Dense → BN → ReLU → Dropout 0.2, Adam 1e-3,
batch 128) over the 60,000 MNIST training images, all in one process so the
numbers share the machine's state, and reports the median epoch after the
first (which includes tracing):

(a) kerasdnn.train with its defaults (tf.data pipeline, 32 batches per call);
(b) plain Keras: compile with defaults and fit on NumPy arrays;
(c) PyTorch eager, when torch is installed (`pip install -e ".[bench]"`);
(d) the compute roofline: training FLOPs per epoch over the matrix-multiply
    throughput NumPy measures on the spot.

    python benchmarks/epoch_time.py              # 5 epochs each
    python benchmarks/epoch_time.py --epochs 2   # quicker
"""

import argparse
import json
import os
import platform
import time

import keras
import numpy as np

import kerasdnn
from timing import EpochTimer, steady

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--epochs", type=kerasdnn.reporting.positive_int, default=5)
parser.add_argument("--data-dir", default=None)
parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "epoch_time.json"))
args = parser.parse_args()
batch_size, units = 128, (512, 256, 128)

(x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays("mnist", data_dir=args.data_dir)


## (a) kerasdnn defaults

keras.utils.set_random_seed(0)
model = kerasdnn.mlp((28, 28, 1), units=units, dropout=0.2)
result = kerasdnn.train(model, x_train, y_train, test_data=(x_test, y_test), epochs=args.epochs,
                        batch_size=batch_size, learning_rate=1e-3, verbose=0)
kerasdnn_seconds = steady(result["epoch_seconds"])
kerasdnn_accuracy = result["test"]["accuracy"]

## (b) plain Keras

keras.utils.set_random_seed(0)
plain = kerasdnn.mlp((28, 28, 1), units=units, dropout=0.2)
plain.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
timer = EpochTimer()
plain.fit(x_train, y_train, batch_size=batch_size, epochs=args.epochs, callbacks=[timer], verbose=0)
keras_seconds = steady(timer.seconds)
keras_accuracy = plain.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"]

## (c) PyTorch eager, if installed

torch_seconds = torch_accuracy = None
try:
    import torch
except ImportError:
    torch = None
if torch is not None:
    torch.manual_seed(0)
    layers, width = [torch.nn.Flatten()], 784
    for size in units:
        layers += [torch.nn.Linear(width, size, bias=False), torch.nn.BatchNorm1d(size), torch.nn.ReLU(), torch.nn.Dropout(0.2)]
        width = size
    net = torch.nn.Sequential(*layers, torch.nn.Linear(width, 10))
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    inputs, targets = torch.from_numpy(x_train), torch.from_numpy(y_train)
    seconds = []
    for _ in range(args.epochs):
        start = time.perf_counter()
        net.train()
        for batch in torch.randperm(len(inputs)).split(batch_size):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(inputs[batch]), targets[batch])
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    torch_seconds = steady(seconds)
    net.eval()
    with torch.no_grad():
        torch_accuracy = float((net(torch.from_numpy(x_test)).argmax(1) == torch.from_numpy(y_test)).float().mean())

## (d) the roofline
# The epoch's matrix multiplies timed in NumPy, one training step's worth at
# the net's own shapes: forward x·W, then the weight gradient xᵀ·g and the
# input gradient g·Wᵀ, which the first layer does not need. Everything else a
# step does (BN, dropout, the optimizer, the input pipeline) is what kerasdnn
# spends above this line.

widths = [784, *units, 10]
rng = np.random.default_rng(0)
activations = [rng.normal(size=(batch_size, width)).astype(np.float32) for width in widths]
weights = [rng.normal(size=(a, b)).astype(np.float32) for a, b in zip(widths, widths[1:])]


def matmuls_of_one_step():
    for layer, weight in enumerate(weights):
        activations[layer] @ weight
        activations[layer].T @ activations[layer + 1]
        if layer:
            activations[layer + 1] @ weight.T


steps_per_epoch = -(-len(x_train) // batch_size)
flops_per_step = sum(2 * batch_size * a * b * (3 if layer else 2) for layer, (a, b) in enumerate(zip(widths, widths[1:])))
matmuls_of_one_step()
repeats, start = 400, time.perf_counter()
for _ in range(repeats):
    matmuls_of_one_step()
matmul_flops_per_second = flops_per_step * repeats / (time.perf_counter() - start)
roofline_seconds = flops_per_step * steps_per_epoch / matmul_flops_per_second

## Report

report = {
    "epochs": args.epochs, "batch_size": batch_size, "samples": len(x_train),
    "seconds_per_epoch": {"kerasdnn": kerasdnn_seconds, "keras_fit": keras_seconds, "pytorch_eager": torch_seconds,
                          "roofline": roofline_seconds},
    "test_accuracy": {"kerasdnn": kerasdnn_accuracy, "keras_fit": keras_accuracy, "pytorch_eager": torch_accuracy},
    "ratios": {
        "kerasdnn_over_keras_fit": kerasdnn_seconds / keras_seconds,
        "kerasdnn_over_pytorch": None if torch_seconds is None else kerasdnn_seconds / torch_seconds,
        "roofline_over_kerasdnn": roofline_seconds / kerasdnn_seconds,
    },
    "matmul_gflops": matmul_flops_per_second / 1e9,
    "versions": {"keras": keras.__version__, "numpy": np.__version__, "python": platform.python_version(),
                 "torch": None if torch is None else torch.__version__},
}
os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
kerasdnn.write_json(args.output, report)
print(json.dumps({k: report[k] for k in ("seconds_per_epoch", "test_accuracy", "ratios")}, indent=2))
