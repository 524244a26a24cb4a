"""Weight initialization seen through activation histograms, layer by layer.

Reproduces: decks 003 (ToBig's) and 002 (CS231n lecture 6). A 5-layer
net of 100 units, fed 1,000 standard-normal inputs, no training: the
histogram of each layer's activations for
sigmoid with N(0, 1), N(0, 0.01²) and Xavier weights; ReLU with N(0, 0.01²),
Xavier and He weights; tanh with 0.01·randn and 1.0·randn weights, as deck
002 draws them; and zero weights, where every unit of a layer computes the
same value. Then constant 0 and constant 1 initialization actually trained
(decks 000, 002, 003): the units of a layer start identical and, with every
gradient identical too, stay identical (the symmetry no update can break).

    python recipes/init_histograms.py           # under a minute
    python recipes/init_histograms.py --smoke   # seconds: 200 inputs, 1 epoch of the constant-init nets

Expected (the decks' figures): sigmoid + N(0, 1) saturates at 0 and 1;
sigmoid + N(0, 0.01²) collapses to 0.5; sigmoid + Xavier stays spread; ReLU +
N(0, 0.01²) and ReLU + Xavier shrink layer by layer; ReLU + He keeps its
spread; tanh + 0.01·randn collapses to 0 and tanh + 1.0·randn saturates at
±1; zero init gives identical units, and the trained constant-init nets
still have one distinct unit per layer. Measured: see "Result" at the end.
"""

import os

# JAX trains dense and recurrent nets fastest on a CPU (a BN-MLP epoch 1.73 s
# against TensorFlow's 3.28 s: benchmarks/results/backends.json); a
# KERAS_BACKEND you set wins.
os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np

import kerasdnn
from kerasdnn.experiments import finish_recipe, format_table, positive_int, recipe_parser

## Setup

parser = recipe_parser(
    __doc__,
    epochs=5,
    batch_size=32,
    learning_rate=0.1,
    output_dir="runs/init_histograms",
    train_samples=5_000,
    test_samples=1_000,
)
parser.add_sized_option(
    "--samples", type=positive_int, default=1000, smoke=200, help="random inputs whose activations are drawn"
)
args = parser.parse_args()
os.makedirs(args.output_dir, exist_ok=True)
# (activation, initializer name, label)
configs = [
    ("sigmoid", "big_random_normal", "sigmoid, N(0, 1)"),
    ("sigmoid", "small_random_normal", "sigmoid, N(0, 0.01²)"),
    ("sigmoid", "glorot_normal", "sigmoid, Xavier"),
    ("relu", "small_random_normal", "ReLU, N(0, 0.01²)"),
    ("relu", "glorot_normal", "ReLU, Xavier"),
    ("relu", "he_normal", "ReLU, He"),
    ("tanh", "small_random_normal", "tanh, 0.01·randn"),
    ("tanh", "big_random_normal", "tanh, 1.0·randn"),
    ("tanh", "zeros", "tanh, zeros"),
]

## Forward a batch through each net and keep every layer's activations

inputs = np.random.default_rng(args.seed).normal(size=(args.samples, 100)).astype(np.float32)
activations, rows = {}, []
for activation, initializer, label in configs:
    keras.utils.set_random_seed(args.seed)
    model = kerasdnn.mlp(
        (100,),
        units=(100,) * 5,
        classes=1,
        activation=activation,
        kernel_initializer=initializer,
        batch_norm=False,
        classifier_activation=None,
    )
    hidden = [layer.output for layer in model.layers if isinstance(layer, keras.layers.Activation)]
    outputs = keras.Model(model.input, hidden)(inputs)
    activations[label] = [keras.ops.convert_to_numpy(output) for output in outputs]
    for depth, values in enumerate(activations[label], 1):
        rows.append(
            {
                "config": label,
                "layer": depth,
                "mean": float(values.mean()),
                "std": float(values.std()),
                # Identical units: every unit of the layer has the same value per sample.
                "distinct_units": int(len(np.unique(values.round(6), axis=1)[0])),
            }
        )

## Plot the grid: one row per configuration, one column per layer

pyplot = kerasdnn.plotting.pyplot_module()
figure, axes = pyplot.subplots(len(configs), 5, figsize=(13, 2.0 * len(configs)), sharey="row")
for row_axes, (label, layers) in zip(axes, activations.items()):
    # One range per row, so that shrinking from layer to layer shows.
    low = 0.0 if label.startswith("sigmoid") else min(float(values.min()) for values in layers)
    high = 1.0 if label.startswith("sigmoid") else max(float(values.max()) for values in layers) + 1e-6
    for depth, (axis, values) in enumerate(zip(row_axes, layers), 1):
        axis.hist(values.ravel(), bins=30, range=(low, high))
        axis.set_title(f"layer {depth}", fontsize=8)
        axis.tick_params(labelsize=6)
    row_axes[0].set_ylabel(label, fontsize=8)
figure.tight_layout()
figure.savefig(os.path.join(args.output_dir, "histograms.png"), dpi=90)
pyplot.close(figure)

## The histograms in numbers: layers 1 and 5

print(
    format_table([row for row in rows if row["layer"] in (1, 5)], ["config", "layer", "mean", "std", "distinct_units"])
)

## Constant initialization, trained: the units stay identical
# 784-64-64-10 tanh, SGD; "distinct units" counts the different weight
# columns of each hidden layer after training.

(x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays(
    "mnist", data_dir=args.data_dir, train_samples=args.train_samples, test_samples=args.test_samples
)
trained, train_seconds = [], 0.0
for constant in ("zeros", "ones", "glorot_uniform"):
    keras.utils.set_random_seed(args.seed)
    model = kerasdnn.mlp(
        (28, 28, 1),
        units=(64, 64),
        activation="tanh",
        kernel_initializer=constant,
        batch_norm=False,
        name=f"{constant}_init",
    )
    result = kerasdnn.train(
        model,
        x_train,
        y_train,
        test_data=(x_test, y_test),
        epochs=args.epochs,
        batch_size=args.batch_size,
        optimizer="sgd",
        learning_rate=args.learning_rate,
        seed=args.seed,
        verbose=0,
        save_model=False,
    )
    train_seconds += result["train_seconds"]
    kernels = [keras.ops.convert_to_numpy(layer.kernel) for layer in model.layers if layer.name.endswith("_dense")]
    trained.append(
        {
            "init": constant,
            "test_accuracy": result["test"]["accuracy"],
            "distinct_units": [int(np.unique(kernel.round(6), axis=1).shape[1]) for kernel in kernels],
        }
    )
print(format_table(trained, ["init", "test_accuracy", "distinct_units"]))

## Evaluate

last = {row["config"]: row for row in rows if row["layer"] == 5}
summary = {
    "recipe": "init_histograms",
    "reproduces": "decks 000/002/003 activation histograms per init (5 layers × 100); constant init trained",
    "metric": "layer-5 std: sigmoid N(0,1) / N(0,.01²) / Xavier; ReLU .01 / Xavier / He; tanh .01 / 1.0; "
    "distinct units after training, zeros / ones / Xavier",
    "reference": "saturated / collapsed / spread; shrinks / shrinks / spread; collapses / saturates; 1 / 1 / 64",
    "ours": " / ".join(f"{last[label]['std']:.3g}" for _, _, label in configs[:8])
    + "; "
    + " / ".join(str(max(row["distinct_units"])) for row in trained),
    "epochs": f"no training; {args.epochs} (constant init)",
    "train_seconds": train_seconds,
}
payload = {"summary": summary, "layers": rows, "trained": trained, "settings": vars(args)}
finish_recipe(__file__, payload, args, figure="histograms.png")

## Result
# Generated by recipes/reproduction_table.py from the results files; do not edit.
# recipes/results/init_histograms.json (seed 0, jax backend, 2-core CPU):
#   layer-5 std: sigmoid N(0,1) / N(0,.01²) / Xavier; ReLU .01 / Xavier / He;
#   tanh .01 / 1.0; distinct units after training, zeros / ones / Xavier: 0.438
#   / 0.0129 / 0.123 / 1.57e-06 / 0.16 / 0.906 / 1.01e-05 / 0.958; 1 / 1 / 64;
#   reference saturated / collapsed / spread; shrinks / shrinks / spread;
#   collapses / saturates; 1 / 1 / 64; no training; 5 (constant init) epochs,
#   40 s of training.

## Discussion
# Written for the run at commit e690dae (TensorFlow backend, before backends
# were recorded); the numbers of the current run are in the Result above.
# Seed 0 (recipes/results/init_histograms.json), std of the 5th layer's
# activations: sigmoid N(0, 1) 0.442 (piled at 0 and 1), N(0, 0.01²) 0.0121
# (all ≈ 0.5), Xavier 0.113 (spread); ReLU N(0, 0.01²) 1.4e-06 (gone), Xavier
# 0.143 (from 0.584 at layer 1: shrinking), He 0.807 (from 0.826: kept).
# Zero init: every unit of a layer is the same (1 distinct unit of 100).
# Added with the tanh rows and the trained constant inits (the Result above):
# tanh with 0.01·randn ends layer 5 with std 1.0e-05 (collapsed to 0), with
# 1.0·randn 0.958 (piled at ±1). Trained 5 epochs, the zeros and ones nets
# still had one distinct unit per hidden layer and 0.122 test accuracy (one
# class for every image); Xavier's had 64 and 0.901.
