"""Batch, layer, group, instance and weight normalization, side by side.

Reproduces: deck 003 (ToBig's) "다른 Normalization", which names Weight,
Layer, Instance and Group normalization beside BatchNorm. Each one (and
none) in two networks, over three seeds: the ladder's Fashion-MNIST MLP
(784-512-256-128-10, He uniform, SGD(0.01, momentum 0.5), as ToBig's +BN
rung) and the Hanbat CNN on MNIST (Conv2D 32 ×2 → normalization →
MaxPool → softmax, Adam); group norm with 8 groups. For each: test
accuracy, the epochs it takes to reach the training loss the un-normalized
net ends at, and seconds per epoch.

    python recipes/normalizations.py           # full run, about 20 minutes on 2 CPU cores
    python recipes/normalizations.py --smoke   # seconds: 512 images, 1 epoch, one seed

Expected: every normalization reaches the un-normalized net's final loss in
fewer epochs; batch norm fastest in the MLP (Ioffe & Szegedy 2015), group and
layer norm close to it without depending on the batch (Wu & He 2018); instance
norm does not apply to the MLP's Dense outputs (each unit would be normalized
on its own to 0), so its row there is empty. Measured: see "Result" at the end.
"""

import os

# TensorFlow: the CNN dominates this recipe, and TensorFlow trains
# convolutions fastest on a CPU (hanbat_bn_cnn: 4.47 s an epoch against JAX's
# 13.04 s, benchmarks/results/backends.json); a KERAS_BACKEND you set wins.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

# kerasdnn before Keras: it imports TensorFlow without the start-up lines that
# read as failures on a CPU-only machine (kerasdnn.quiet).
import kerasdnn  # isort: skip

import keras

from kerasdnn.plotting import plot_comparison
from kerasdnn.reporting import format_table, recipe_parser
from kerasdnn.results import finish_recipe, seed_statistics, spread_text

## Setup

parser = recipe_parser(__doc__, epochs=None, batch_size=128, output_dir="runs/normalizations", seeds=(0, 1, 2),
                       train_samples=10_000, test_samples=5_000)
args = parser.parse_args()
NORMALIZATIONS = (None, "batch", "layer", "group", "instance", "weight")
# Group norm between its two ends: one group is layer norm, one channel per
# group instance norm. With the CNN's 32 filters Wu & He's default of 32
# groups would be instance norm itself; 8 groups of 4 channels are neither.
GROUPS = 8


## The two networks, with the normalization asked for


def mlp(normalization):
    """The ladder's MLP (ToBig's +BN rung, `tobigs_bn`), its batch norm swapped for `normalization`."""
    return kerasdnn.mlp((28, 28, 1), units=(512, 256, 128), kernel_initializer="he_uniform", use_bias=True,
                        normalization=normalization, groups=GROUPS if normalization == "group" else None,
                        name=f"mlp_{normalization}")


def cnn(normalization):
    """The Hanbat CNN (`hanbat_bn_cnn`), its batch norm swapped for `normalization`."""
    return kerasdnn.cnn((28, 28, 1), filters=(32,), convs=2, padding="valid", units=(),
                        normalization=normalization, groups=GROUPS if normalization == "group" else None,
                        name=f"cnn_{normalization}")


# Each net's data and training settings: the ladder's SGD for the MLP, Keras's
# Adam default for the CNN. Both train on the same number of images.
NETWORKS = {
    "Fashion-MNIST MLP": {"build": mlp, "dataset": "fashion_mnist", "epochs": 10,
                          "optimizer": keras.optimizers.SGD, "options": {"learning_rate": 0.01, "momentum": 0.5}},
    "MNIST CNN": {"build": cnn, "dataset": "mnist", "epochs": 5, "optimizer": keras.optimizers.Adam, "options": {}},
}

## Train each network with each normalization, once per seed

rows, train_seconds = [], 0.0
for network, setup in NETWORKS.items():
    (x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays(
        setup["dataset"], data_dir=args.data_dir, train_samples=args.train_samples, test_samples=args.test_samples
    )
    epochs = args.epochs or setup["epochs"]
    runs, refused = {}, {}
    for normalization in NORMALIZATIONS:
        try:
            setup["build"](normalization)
        except ValueError as refusal:  # instance norm after a Dense layer
            refused[normalization] = str(refusal)
            continue
        runs[normalization] = []
        for seed in args.seeds:
            keras.utils.set_random_seed(seed)
            model = setup["build"](normalization)
            if normalization == "weight":
                # Salimans & Kingma's data-dependent init: each pre-activation
                # starts with mean 0 and variance 1 on a training batch.
                kerasdnn.normalizations.initialize_from_data(model, x_train[:512])
            result = kerasdnn.train(
                model, x_train, y_train, test_data=(x_test, y_test), epochs=epochs, batch_size=args.batch_size,
                optimizer=setup["optimizer"](**setup["options"]), seed=seed, verbose=0,
                output_dir=os.path.join(args.output_dir, network.split()[-1].lower(), str(normalization), f"seed_{seed}"),
            )
            train_seconds += result["train_seconds"]
            runs[normalization].append(result)
    # The bar every normalization is timed to: the training loss the net
    # without one ends at, seed by seed.
    targets = [run["history"]["loss"][-1] for run in runs[None]]
    for normalization in NORMALIZATIONS:
        if normalization in refused:
            rows.append({"network": network, "normalization": str(normalization), "applies": False,
                         "reason": refused[normalization]})
            continue
        results = runs[normalization]
        to_target = [
            next((epoch for epoch, loss in enumerate(run["history"]["loss"], 1) if loss <= target), None)
            for run, target in zip(results, targets)
        ]
        accuracy = seed_statistics([None if run["diverged"] else run["test"]["accuracy"] for run in results])
        rows.append({
            "network": network, "normalization": str(normalization), "applies": True,
            "test_accuracy": accuracy["mean"], "std": accuracy["std"], "values": accuracy["values"],
            "epochs_to_target": seed_statistics(to_target)["mean"], "epochs_to_target_values": to_target,
            "target_losses": targets, "epochs": epochs,
            "seconds_per_epoch": seed_statistics([run["seconds_per_epoch"] for run in results])["mean"],
            "parameters": results[0]["parameters"],
        })

## Evaluate

print(format_table(rows, ["network", "normalization", "applies", "test_accuracy", "std", "epochs_to_target",
                          "seconds_per_epoch", "parameters"]))
labels = [str(normalization) for normalization in NORMALIZATIONS]


def by_network(network, key):
    """One value per normalization for `network` (`None` where it does not apply)."""
    found = {row["normalization"]: row.get(key) for row in rows if row["network"] == network}
    return [found.get(label) for label in labels]


plot_comparison(labels, {network: by_network(network, "test_accuracy") for network in NETWORKS},
                os.path.join(args.output_dir, "normalizations.png"), ylabel="test accuracy",
                title="Normalizations: test accuracy over seeds (instance: CNN only)", ylim=(0.7, 1.0),
                errors={network: by_network(network, "std") for network in NETWORKS})
summary = {
    "recipe": "normalizations",
    "reproduces": "deck 003 other normalizations (weight, layer, instance, group beside batch)",
    "metric": f"test accuracy, MLP then CNN: {' / '.join(labels)}",
    "reference": "the deck names them; no numbers",
    "ours": " ; ".join(
        " / ".join("-" if row.get("test_accuracy") is None else spread_text(row["test_accuracy"], row["std"])
                   for row in rows if row["network"] == network)
        for network in NETWORKS
    ),
    "seeds": list(args.seeds),
    "epochs": " / ".join(str(args.epochs or setup["epochs"]) for setup in NETWORKS.values()),
    "train_seconds": train_seconds,
}
finish_recipe(__file__, {"summary": summary, "rows": rows, "settings": vars(args)}, args, figure="normalizations.png")

## Result
