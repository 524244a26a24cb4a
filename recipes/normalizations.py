"""Batch, layer, group, instance and weight normalization, side by side.

Reproduces: deck 003 (ToBig's) "다른 Normalization", which names Weight,
Layer, Instance and Group normalization beside BatchNorm. Each one (and
none) in two networks, over three seeds: the ladder's Fashion-MNIST MLP
(784-512-256-128-10, He uniform, SGD(0.01, momentum 0.5), as ToBig's +BN
rung) and the Hanbat CNN on MNIST (Conv2D 32 ×2 → normalization →
MaxPool → softmax, Adam); group norm with 8 groups. For each: test
accuracy, the epochs it takes to reach the training loss the un-normalized
net ends at, and seconds per epoch.

    python recipes/normalizations.py           # full run, about 15 minutes on 2 CPU cores
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

from kerasdnn.experiments import finish_recipe, first_epoch, format_table, recipe_parser, seed_statistics, spread_text
from kerasdnn.plotting import plot_comparison

## Setup

parser = recipe_parser(
    __doc__,
    epochs=None,
    batch_size=128,
    output_dir="runs/normalizations",
    seeds=(0, 1, 2),
    train_samples=10_000,
    test_samples=5_000,
)
args = parser.parse_args()
NORMALIZATIONS = (None, "batch", "layer", "group", "instance", "weight")
# Group norm between its two ends: one group is layer norm, one channel per
# group instance norm. With the CNN's 32 filters Wu & He's default of 32
# groups would be instance norm itself; 8 groups of 4 channels are neither.
GROUPS = 8


## The two networks, with the normalization asked for


def mlp(normalization):
    """The ladder's MLP (ToBig's +BN rung, `tobigs_bn`), its batch norm swapped for `normalization`."""
    return kerasdnn.mlp(
        (28, 28, 1),
        units=(512, 256, 128),
        kernel_initializer="he_uniform",
        use_bias=True,
        normalization=normalization,
        groups=GROUPS if normalization == "group" else None,
        name=f"mlp_{normalization}",
    )


def cnn(normalization):
    """The Hanbat CNN (`hanbat_bn_cnn`), its batch norm swapped for `normalization`."""
    return kerasdnn.cnn(
        (28, 28, 1),
        filters=(32,),
        convs=2,
        padding="valid",
        units=(),
        normalization=normalization,
        groups=GROUPS if normalization == "group" else None,
        name=f"cnn_{normalization}",
    )


# Each net's data and training settings: the ladder's SGD for the MLP, Keras's
# Adam default for the CNN. Both train on the same number of images.
NETWORKS = {
    "Fashion-MNIST MLP": {
        "build": mlp,
        "dataset": "fashion_mnist",
        "epochs": 10,
        "optimizer": keras.optimizers.SGD,
        "options": {"learning_rate": 0.01, "momentum": 0.5},
    },
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
                model,
                x_train,
                y_train,
                test_data=(x_test, y_test),
                epochs=epochs,
                batch_size=args.batch_size,
                optimizer=setup["optimizer"](**setup["options"]),
                seed=seed,
                verbose=0,
                output_dir=os.path.join(
                    args.output_dir, network.split()[-1].lower(), str(normalization), f"seed_{seed}"
                ),
            )
            train_seconds += result["train_seconds"]
            runs[normalization].append(result)
    # The bar every normalization is timed to: the training loss the net
    # without one ends at, seed by seed.
    targets = [run["history"]["loss"][-1] for run in runs[None]]
    for normalization in NORMALIZATIONS:
        if normalization in refused:
            rows.append(
                {
                    "network": network,
                    "normalization": str(normalization),
                    "applies": False,
                    "reason": refused[normalization],
                }
            )
            continue
        results = runs[normalization]
        to_target = [
            first_epoch(run["history"]["loss"], lambda loss, target=target: loss <= target)
            for run, target in zip(results, targets)
        ]
        accuracy = seed_statistics([None if run["diverged"] else run["test"]["accuracy"] for run in results])
        rows.append(
            {
                "network": network,
                "normalization": str(normalization),
                "applies": True,
                "test_accuracy": accuracy["mean"],
                "std": accuracy["std"],
                "values": accuracy["values"],
                "epochs_to_target": seed_statistics(to_target)["mean"],
                "epochs_to_target_values": to_target,
                "target_losses": targets,
                "epochs": epochs,
                "seconds_per_epoch": seed_statistics([run["seconds_per_epoch"] for run in results])["mean"],
                "parameters": results[0]["parameters"],
            }
        )

## Evaluate

print(
    format_table(
        rows,
        [
            "network",
            "normalization",
            "applies",
            "test_accuracy",
            "std",
            "epochs_to_target",
            "seconds_per_epoch",
            "parameters",
        ],
    )
)
labels = [str(normalization) for normalization in NORMALIZATIONS]


def by_network(network, key):
    """One value per normalization for `network` (`None` where it does not apply)."""
    found = {row["normalization"]: row.get(key) for row in rows if row["network"] == network}
    return [found.get(label) for label in labels]


plot_comparison(
    labels,
    {network: by_network(network, "test_accuracy") for network in NETWORKS},
    os.path.join(args.output_dir, "normalizations.png"),
    ylabel="test accuracy",
    title="Normalizations: test accuracy over seeds (instance: CNN only)",
    ylim=(0.7, 1.0),
    errors={network: by_network(network, "std") for network in NETWORKS},
)
summary = {
    "recipe": "normalizations",
    "reproduces": "deck 003 other normalizations (weight, layer, instance, group beside batch)",
    "metric": f"test accuracy, MLP then CNN: {' / '.join(labels)}",
    "reference": "the deck names them; no numbers",
    "ours": " ; ".join(
        " / ".join(
            "-" if row.get("test_accuracy") is None else spread_text(row["test_accuracy"], row["std"])
            for row in rows
            if row["network"] == network
        )
        for network in NETWORKS
    ),
    "seeds": list(args.seeds),
    "epochs": " / ".join(str(args.epochs or setup["epochs"]) for setup in NETWORKS.values()),
    "train_seconds": train_seconds,
}
finish_recipe(__file__, {"summary": summary, "rows": rows, "settings": vars(args)}, args, figure="normalizations.png")

## Result
# Generated by recipes/reproduction_table.py from the results files; do not edit.
# recipes/results/normalizations.json (seeds 0 1 2, tensorflow backend, 2-core
#   CPU): test accuracy, MLP then CNN: None / batch / layer / group / instance
#   / weight: 0.7939 ± 0.0323 / 0.8449 ± 0.0061 / 0.8078 ± 0.0312 / 0.8177 ±
#   0.0274 / - / 0.8072 ± 0.0335 ; 0.9745 ± 0.0023 / 0.9659 ± 0.0015 / 0.9746 ±
#   0.0021 / 0.9745 ± 0.0016 / 0.9727 ± 0.0010 / 0.9734 ± 0.0013; reference the
#   deck names them; no numbers; 10 / 5 epochs, 615 s of training.

## Discussion
# Seeds 0 1 2, 10,000 training and 5,000 test images, TensorFlow, 2-core CPU
# (recipes/results/normalizations.json). In the Fashion-MNIST MLP (SGD,
# 10 epochs) every normalization reached the un-normalized net's final
# training loss in half its epochs or less (batch, layer and group 5, weight
# 3.667 on average, against 10), and batch norm gave the best and steadiest
# test accuracy, 0.8449 ± 0.0061 against 0.7939 ± 0.0323 without; layer
# (0.8078), group (0.8177) and weight norm (0.8072) sit between, with
# none's spread. Batch norm also cost the least time on top (0.5127 s an
# epoch against 0.5117; layer 0.7843, group 0.948, weight 0.9781). In the
# Hanbat CNN (Adam, 5 epochs) the differences are within a few tenths of a
# point: layer 0.9746, group 0.9745 and none 0.9745, instance 0.9727, weight
# 0.9734, and batch norm last at 0.9659 ± 0.0015, though it and the other
# batch-free ones reached none's final loss an epoch earlier (4 against 5).
# So the deck's alternatives matter where batch norm cannot be used (small
# or single-sample batches: recipes/bn_claims.py (d)), not as upgrades here.
