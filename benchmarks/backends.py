"""Seconds per epoch of the zoo's three families on every Keras backend, beside PyTorch eager and the roofline.

Which backend should train each network by default? This measures, in one
run (one process per backend, one after the other, so they share the
machine's state), the fastest epoch after the first (which pays for
tracing) of:

- `kerasdnn.train` with its defaults, and plain Keras `fit` on NumPy arrays
  with `steps_per_execution=32` where the backend allows it, on JAX,
  TensorFlow and PyTorch;
- the same network written in plain PyTorch, trained eagerly;
- for the MLP, the roofline: the epoch's training FLOPs at the best
  2048×2048 float32 matmul rate NumPy, JAX or PyTorch reaches on the spot
  (NumPy's is held down by the `OPENBLAS_CORETYPE=Haswell` these machines
  export, which the benchmark leaves alone).

The networks, at batch 128 with Adam 1e-3: the headline `mnist_bn` on the
60,000 MNIST training images, `hanbat_bn_cnn` on 5,000 of them, and
`hanbat_bn_lstm` on 20,000 generated sequences. For the MLP it also reports
each contender's test accuracy after the run (10,000 test images), so that a
faster epoch is seen to learn as much.

    python benchmarks/backends.py            # 5 epochs each, about 10 minutes on 2 cores
    python benchmarks/backends.py --smoke    # seconds: 1,024 samples, 2 epochs

Writes benchmarks/results/backends.json (smoke runs: --output elsewhere),
with the CPU it ran on. TensorFlow turns oneDNN on only on CPUs with AVX-512
VNNI, so a run on such a CPU goes to `--output
benchmarks/results/backends_vnni.json`, shown beside the other in the README.
"""

import argparse
import json
import os
import sys
import time

from timing import EpochTimer, cpu_description, run_child, steady

BACKENDS = ("jax", "tensorflow", "torch")
NETS = {
    # zoo name: (dataset, training samples of the full run)
    "mnist_bn": ("mnist", 60_000),
    # 5,000 images: XLA's CPU convolutions make the JAX run slow (several
    # minutes an epoch at 20,000); seconds per epoch scale with the images.
    "hanbat_bn_cnn": ("mnist", 5_000),
    "hanbat_bn_lstm": ("sequence_sum", 20_000),
}
BATCH_SIZE = 128

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--epochs", type=int, default=5, help="epochs per contender, >= 2 (default: %(default)s)")
parser.add_argument("--smoke", action="store_true", help="1,024 samples per net, 2 epochs")
parser.add_argument("--data-dir", default=None)
parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "backends.json"))
parser.add_argument("--contender", help=argparse.SUPPRESS)  # internal: one backend, or pytorch_eager
args = parser.parse_args()
if args.smoke:
    args.epochs = 2


def samples_of(net):
    return 1024 if args.smoke else NETS[net][1]


def arrays(net):
    """Training and test arrays of `net`'s task; the backend does not matter here."""
    import kerasdnn

    dataset, samples = NETS[net][0], samples_of(net)
    if dataset in kerasdnn.data.SYNTHETIC:
        return kerasdnn.synthetic_arrays(dataset, samples=samples)
    return kerasdnn.load_arrays(
        dataset, data_dir=args.data_dir, train_samples=samples, test_samples=1024 if args.smoke else None
    )


## One backend (a child process: Keras fixes its backend at import)


def keras_contender():
    import keras

    import kerasdnn

    rows = {}
    for net in NETS:
        (x, y), test = arrays(net)
        info = kerasdnn.zoo.model_info(net)
        keras.utils.set_random_seed(0)
        result = kerasdnn.train(
            kerasdnn.zoo.create_model(net),
            x,
            y,
            test_data=test,
            epochs=args.epochs,
            batch_size=BATCH_SIZE,
            learning_rate=1e-3,
            loss=info.training["loss"],
            metrics=info.training["metrics"],
            verbose=0,
        )
        keras.utils.set_random_seed(0)
        plain = kerasdnn.zoo.create_model(net)
        plain.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss=info.training["loss"],
            metrics=list(info.training["metrics"]),
            steps_per_execution=kerasdnn.training.default_steps_per_execution(),
        )
        timer = EpochTimer()
        plain.fit(x, y, batch_size=BATCH_SIZE, epochs=args.epochs, callbacks=[timer], verbose=0)
        rows[net] = {
            "kerasdnn": steady(result["epoch_seconds"]),
            "keras_fit": steady(timer.seconds),
            "final_loss": result["final"]["loss"],
            "test_accuracy": result["test"].get("accuracy"),
        }
    return rows


## PyTorch eager (a child process)


def pytorch_contender():
    import numpy as np
    import torch

    def mlp():
        layers, width = [torch.nn.Flatten()], 784
        for size in (512, 256, 128):
            layers += [
                torch.nn.Linear(width, size, bias=False),
                torch.nn.BatchNorm1d(size),
                torch.nn.ReLU(),
                torch.nn.Dropout(0.2),
            ]
            width = size
        return torch.nn.Sequential(*layers, torch.nn.Linear(width, 10)), torch.nn.functional.cross_entropy, "channels"

    def cnn():
        # Conv2D 32 ×2 (valid) → BN → MaxPool → Dense(10), as hanbat_bn_cnn.
        net = torch.nn.Sequential(
            torch.nn.Conv2d(1, 32, 3),
            torch.nn.ReLU(),
            torch.nn.Conv2d(32, 32, 3),
            torch.nn.ReLU(),
            torch.nn.BatchNorm2d(32),
            torch.nn.MaxPool2d(2),
            torch.nn.Flatten(),
            torch.nn.Linear(32 * 12 * 12, 10),
        )
        return net, torch.nn.functional.cross_entropy, "channels_first"

    class Recurrent(torch.nn.Module):
        # LSTM(32) → BN → Dense(1), as hanbat_bn_lstm.
        def __init__(self):
            super().__init__()
            self.lstm, self.bn, self.dense = (
                torch.nn.LSTM(1, 32, batch_first=True),
                torch.nn.BatchNorm1d(32),
                torch.nn.Linear(32, 1),
            )

        def forward(self, x):
            return self.dense(self.bn(self.lstm(x)[0][:, -1]))

    builders = {
        "mnist_bn": mlp,
        "hanbat_bn_cnn": cnn,
        "hanbat_bn_lstm": lambda: (Recurrent(), torch.nn.functional.mse_loss, "channels"),
    }
    rows = {}
    for net, build in builders.items():
        (x, y), (x_test, y_test) = arrays(net)
        torch.manual_seed(0)
        model, loss_function, layout = build()

        def tensor(images, layout=layout):
            return torch.from_numpy(
                np.ascontiguousarray(images.transpose(0, 3, 1, 2) if layout == "channels_first" else images)
            )

        inputs, targets = tensor(x), torch.from_numpy(y)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        seconds = []
        for _ in range(args.epochs):
            start = time.perf_counter()
            model.train()
            for batch in torch.randperm(len(inputs)).split(BATCH_SIZE):
                optimizer.zero_grad()
                loss = loss_function(model(inputs[batch]), targets[batch])
                loss.backward()
                optimizer.step()
            seconds.append(time.perf_counter() - start)
        model.eval()
        with torch.no_grad():
            predictions = model(tensor(x_test))
        accuracy = None  # the LSTM's task is a regression
        if np.issubdtype(y_test.dtype, np.integer):
            accuracy = float((predictions.argmax(1) == torch.from_numpy(y_test)).float().mean())
        rows[net] = {"pytorch_eager": steady(seconds), "final_loss": float(loss), "test_accuracy": accuracy}
    return rows


## The roofline of the MLP


def best_matmul_rate():
    """The best 2048² float32 matmul rate, FLOP/s, of NumPy, JAX and PyTorch (those installed)."""
    import numpy as np

    size, repeats = 2048, 3 if args.smoke else 10
    a = np.random.default_rng(0).normal(size=(size, size)).astype(np.float32)
    rates = {}

    def timed(name, multiply, finish=lambda result: result):
        finish(multiply())  # warm up
        start = time.perf_counter()
        for _ in range(repeats):
            finish(multiply())
        rates[name] = 2 * size**3 * repeats / (time.perf_counter() - start)

    timed("numpy", lambda: a @ a)
    try:
        import jax.numpy as jnp

        device_a = jnp.asarray(a)
        timed("jax", lambda: device_a @ device_a, lambda result: result.block_until_ready())
    except ImportError:
        pass
    try:
        import torch

        torch_a = torch.from_numpy(a)
        timed("torch", lambda: torch_a @ torch_a)
    except ImportError:
        pass
    return rates


def mlp_flops_per_epoch(samples):
    """Matmul FLOPs of one training epoch of 784-512-256-128-10: forward, weight and input gradients."""
    widths = [784, 512, 256, 128, 10]
    per_sample = sum(2 * a * b * (3 if layer else 2) for layer, (a, b) in enumerate(zip(widths, widths[1:])))
    return per_sample * samples


if args.contender:
    rows = pytorch_contender() if args.contender == "pytorch_eager" else keras_contender()
    print("RESULT " + json.dumps(rows))
    sys.exit(0)


def run_contender(name):
    """Runs one contender in its own process; returns its rows, or None when it cannot run here."""
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    if name != "pytorch_eager":
        environment["KERAS_BACKEND"] = name
    command = [sys.executable, __file__, "--contender", name, "--epochs", str(args.epochs)]
    command += (["--smoke"] if args.smoke else []) + (["--data-dir", args.data_dir] if args.data_dir else [])
    return run_child(command, environment, torch_optional=True)[0]


import kerasdnn  # noqa: E402  (the parent only writes JSON and reads the zoo's records)

started = time.perf_counter()
measured = {name: run_contender(name) for name in (*BACKENDS, "pytorch_eager")}
rates = best_matmul_rate()
roofline = mlp_flops_per_epoch(samples_of("mnist_bn")) / max(rates.values())

report = {
    "smoke": args.smoke,
    "cpu": cpu_description(),
    "epochs": args.epochs,
    "batch_size": BATCH_SIZE,
    "nets": {},
    "matmul_gflops": {name: rate / 1e9 for name, rate in rates.items()},
}
for net in NETS:
    seconds = {}
    for name, rows in measured.items():
        if rows is None:
            continue
        if name == "pytorch_eager":
            seconds["pytorch_eager"] = rows[net]["pytorch_eager"]
        else:
            seconds[f"kerasdnn_{name}"] = rows[net]["kerasdnn"]
            seconds[f"keras_fit_{name}"] = rows[net]["keras_fit"]
    default = kerasdnn.zoo.model_info(net).backend
    entry = {
        "samples": samples_of(net),
        "default_backend": default,
        "seconds_per_epoch": seconds,
        "test_accuracy": {
            ("pytorch_eager" if name == "pytorch_eager" else f"kerasdnn_{name}"): rows[net]["test_accuracy"]
            for name, rows in measured.items()
            if rows is not None
        },
    }
    fastest = min(
        (name for name in BACKENDS if f"kerasdnn_{name}" in seconds), key=lambda name: seconds[f"kerasdnn_{name}"]
    )
    entry["fastest_backend"] = fastest
    ours = seconds[f"kerasdnn_{default}"]
    entry["ratios"] = {
        "kerasdnn_over_keras_fit": ours / seconds[f"keras_fit_{default}"],
        "kerasdnn_over_pytorch_eager": ours / seconds["pytorch_eager"] if "pytorch_eager" in seconds else None,
    }
    if net == "mnist_bn":
        entry["roofline_seconds"] = roofline
        entry["ratios"]["roofline_over_kerasdnn"] = roofline / ours
    report["nets"][net] = entry
report["wall_seconds"] = time.perf_counter() - started
os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
kerasdnn.write_json(args.output, report)
print(json.dumps(report, indent=2))
