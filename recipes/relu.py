"""ReLU's behaviour: how much faster it trains, how a large learning rate kills it, and the leaky cure.

Reproduces: decks 000 and 002 (ReLU "converges about 6× faster than
sigmoid/tanh" (Krizhevsky et al. 2012, epochs to 25 % training error on
CIFAR-10); "mind the learning rate": a unit whose inputs all fall below zero
outputs 0 and gets no gradient again, a dead ReLU; Leaky ReLU
max(0.1x, x), as deck 002 first writes it, never dies). On MNIST:

1. A 784-256-256-256-10 MLP without batch norm, SGD at 0.01, batch 32, with
   ReLU, tanh or sigmoid: the epochs until the training error first falls
   below 5 %, over the seeds.
2. The same ReLU net and its Leaky ReLU (slope 0.1) twin trained one epoch
   at growing learning rates: the share of hidden units that output nothing
   (ReLU) or only the leak (Leaky ReLU) for every one of 1,000 training
   images: dead, as far as the data can tell.

    python recipes/relu.py           # full run, about five minutes on 2 CPU cores
    python recipes/relu.py --smoke   # seconds: 512 images, 1 epoch, one seed

Expected: ReLU reaches 5 % training error in a fraction of tanh's epochs,
and sigmoid not within the budget; the dead share grows with the learning
rate for ReLU and the leaky units keep learning. Measured: see "Result" at
the end.
"""

import os

# JAX trains dense nets fastest on a CPU (benchmarks/results/backends.json);
# a KERAS_BACKEND you set wins.
os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np

import kerasdnn
from kerasdnn.experiments import finish_recipe, first_epoch, format_table, recipe_parser, seed_statistics, spread_text
from kerasdnn.plotting import plot_curves

## Setup

parser = recipe_parser(
    __doc__,
    epochs=15,
    batch_size=32,
    learning_rate=0.01,
    output_dir="runs/relu",
    train_samples=10_000,
    test_samples=1_000,
    seeds=(0, 1, 2),
)
args = parser.parse_args()
# Krizhevsky et al. measured epochs to 25 % training error on CIFAR-10; MNIST
# is easier, so the bar is 5 %.
ERROR_BAR = 0.05
rates = [0.01, 0.1, 0.3, 1.0]
(x_train, y_train), _ = kerasdnn.load_arrays(
    "mnist", data_dir=args.data_dir, train_samples=args.train_samples, test_samples=args.test_samples
)


def relu_net(activation, name):
    """784-256-256-256-10 without batch norm, Glorot-initialized for every activation (a fair race)."""
    return kerasdnn.mlp(
        (28, 28, 1),
        units=(256, 256, 256),
        activation=activation,
        batch_norm=False,
        kernel_initializer="glorot_uniform",
        name=name,
    )


## 1. Epochs to 5 % training error: ReLU vs tanh vs sigmoid

race, curves, train_seconds = [], {}, 0.0
for activation in ("relu", "tanh", "sigmoid"):
    epochs_needed = []
    for seed in args.seeds:
        keras.utils.set_random_seed(seed)
        result = kerasdnn.train(
            relu_net(activation, activation),
            x_train,
            y_train,
            epochs=args.epochs,
            batch_size=args.batch_size,
            optimizer="sgd",
            learning_rate=args.learning_rate,
            seed=seed,
            verbose=0,
            save_model=False,
        )
        train_seconds += result["train_seconds"]
        errors = [1 - accuracy for accuracy in result["history"]["accuracy"]]
        epochs_needed.append(first_epoch(errors, lambda error: error < ERROR_BAR))
        if seed == args.seeds[0]:
            curves[activation] = errors
    spread = seed_statistics(epochs_needed)
    race.append(
        {
            "activation": activation,
            "epochs_to_5%": spread["mean"],
            "std": spread["std"],
            "per_seed": epochs_needed,
            "reached": spread["runs"],
        }
    )
print(format_table(race, ["activation", "epochs_to_5%", "std", "per_seed", "reached"]))
plot_curves(
    curves,
    os.path.join(args.output_dir, "training_error.png"),
    ylabel="training error",
    logy=True,
    title=f"SGD {args.learning_rate}, batch {args.batch_size}: ReLU vs tanh vs sigmoid",
)

## 2. Dead units as the learning rate grows, ReLU and Leaky ReLU (0.1)


def dead_share(model, images):
    """The share of hidden units whose pre-activation is at most zero for every one of `images`.

    Such a unit outputs 0 (ReLU) for all the data, so no gradient reaches
    its weights again: dead. A Leaky ReLU unit there still passes a tenth.
    """
    # The hidden blocks' Dense layers; the output layer is "predictions".
    dense = [layer for layer in model.layers if layer.name.endswith("_dense")]
    probe_model = keras.Model(model.inputs, [layer.output for layer in dense])
    outputs = [keras.ops.convert_to_numpy(output) for output in probe_model.predict(images, verbose=0)]
    return float(np.mean(np.concatenate([np.all(output <= 0, axis=0) for output in outputs])))


probe = x_train[:1000]
dead_rows = []
for label, activation in (("relu", "relu"), ("leaky_relu_0.1", keras.layers.LeakyReLU(negative_slope=0.1))):
    for rate in rates:
        keras.utils.set_random_seed(args.seeds[0])
        model = relu_net(activation, f"{label}_{rate}")
        result = kerasdnn.train(
            model,
            x_train,
            y_train,
            epochs=1,
            batch_size=args.batch_size,
            optimizer="sgd",
            learning_rate=rate,
            seed=args.seeds[0],
            verbose=0,
            save_model=False,
        )
        train_seconds += result["train_seconds"]
        # A diverged net's weights are NaN: nothing to count.
        dead_rows.append(
            {
                "activation": label,
                "learning_rate": rate,
                "dead_share": None if result["diverged"] else dead_share(model, probe),
                "diverged": result["diverged"],
                "train_accuracy": result["final"].get("accuracy"),
            }
        )
print(format_table(dead_rows, ["activation", "learning_rate", "dead_share", "train_accuracy", "diverged"]))

## Evaluate

by_activation = {row["activation"]: row for row in race}
dead = {(row["activation"], row["learning_rate"]): row["dead_share"] for row in dead_rows}
summary = {
    "recipe": "relu",
    "reproduces": "decks 000/002 ReLU: faster convergence, dead units at large rates, Leaky ReLU 0.1",
    "metric": "epochs to 5 % training error relu / tanh / sigmoid; dead share relu at lr "
    + " / ".join(map(str, rates))
    + "; leaky at the largest",
    "reference": "ReLU about 6× faster (Krizhevsky 2012); dead ReLUs grow with the rate; leaky ones none",
    "ours": " / ".join(
        "-" if by_activation[a]["epochs_to_5%"] is None else f"{by_activation[a]['epochs_to_5%']:.1f}"
        for a in ("relu", "tanh", "sigmoid")
    )
    + "; "
    + " / ".join(spread_text(dead[("relu", rate)], None) for rate in rates)
    + f"; {spread_text(dead[('leaky_relu_0.1', rates[-1])], None)}",
    "seeds": list(args.seeds),
    "epochs": f"{args.epochs} (race); 1 (dead units)",
    "train_seconds": train_seconds,
}
payload = {"summary": summary, "race": race, "dead_units": dead_rows, "settings": vars(args)}
finish_recipe(__file__, payload, args, figure="training_error.png")

## Result
# Generated by recipes/reproduction_table.py from the results files; do not edit.
# recipes/results/relu.json (seeds 0 1 2, jax backend, 2-core CPU): epochs to 5
#   % training error relu / tanh / sigmoid; dead share relu at lr 0.01 / 0.1 /
#   0.3 / 1.0; leaky at the largest: 13.0 / - / -; 0.0326 / 0.0052 / 0.0169 /
#   0.4102; -; reference ReLU about 6× faster (Krizhevsky 2012); dead ReLUs
#   grow with the rate; leaky ones none; 15 (race); 1 (dead units) epochs, 387
#   s of training.

## Discussion
# ReLU reached 5 % training error in 13 epochs on average (12 to 14 over the
# seeds); tanh and sigmoid did not within the 15-epoch budget at this rate, so
# the speed-up is more than 15/13 here but not measured to the deck's "6×"
# (Krizhevsky et al. trained a CNN on CIFAR-10 to 25 % error). One epoch at
# learning rate 1 left 41 % of the ReLU units dead for all 1,000 probe images,
# against 3 % at 0.01; the Leaky ReLU net at the same rate diverged instead,
# while at 0.3 it had no dead units and ReLU 1.7 %.
