"""Batch-normalized MLP on MNIST: kerasdnn's headline recipe, over three seeds.

Reproduces: the Hanbat deck's batch-normalization section and its MNIST
digit classifier (Hanbat deck 004 §5 and §6.3-6.4), trained past the
reference numbers of hunkim/DeepLearningZeroToAll lab-10 (4×512 BN net,
98.26 %) and Keras's mnist_mlp example (98.40 %), with AdamW's decoupled
weight decay (Loshchilov & Hutter 2019) and a cosine learning-rate decay
(Loshchilov & Hutter 2017). `--dataset fashion_mnist` trains a wider net past
ToBig's best Fashion-MNIST MLP (90.13 %). The nets and settings are the zoo
records `mnist_bn` and `fashion_bn` (tests/test_recipes.py keeps them equal).

    python recipes/mnist_bn.py                  # full run: 15 epochs × seeds 0 1 2
    python recipes/mnist_bn.py --smoke          # seconds: 512 images, 1 epoch, seed 0
    python recipes/mnist_bn.py --seeds 7        # one run with seed 7
    python recipes/mnist_bn.py --data-dir ../shared/tensorflow_datasets  # offline copy
    python recipes/mnist_bn.py --dataset fashion_mnist   # the wider Fashion-MNIST net, 40 epochs × 3 seeds
    python recipes/mnist_bn.py --export-weights          # also ship the best-validation seed's weights

Expected: the records' targets, as means over seeds 0, 1, 2: MNIST at least
98.7 % test accuracy in 15 epochs (about 10 s of training per seed on a
2-core CPU), Fashion-MNIST at least 91.0 % in 40 epochs (about 5 minutes per
seed). Measured: see "Result" at the end of this file.
"""

import math
import os

# JAX trains dense and recurrent nets fastest on a CPU (a BN-MLP epoch 1.73 s
# against TensorFlow's 3.28 s: benchmarks/results/backends.json); a
# KERAS_BACKEND you set wins.
os.environ.setdefault("KERAS_BACKEND", "jax")

import keras

import kerasdnn
from kerasdnn.experiments import (
    finish_recipe,
    format_table,
    positive_float,
    recipe_parser,
    seed_statistics,
    target_verdict,
)

## Setup
# Fashion-MNIST's classes overlap more (shirt, T-shirt, pullover), so it takes
# a wider, more strongly regularized net and more epochs. The MNIST run
# leaves out each epoch's last, smaller batch (drop_remainder: 88 of 55,000
# images, other ones each epoch), so that JAX compiles its step for one batch
# shape instead of two; the Fashion-MNIST record was trained on every batch.
NETS = {
    "mnist": {"name": "mnist_bn", "units": (512, 256, 128), "dropout": 0.2, "epochs": 15, "drop_remainder": True},
    "fashion_mnist": {
        "name": "fashion_bn",
        "units": (1024, 512),
        "dropout": 0.4,
        "epochs": 40,
        "drop_remainder": False,
    },
}
parser = recipe_parser(__doc__, epochs=None, batch_size=128, learning_rate=2e-3, output_dir=None, seeds=(0, 1, 2))
parser.add_argument(
    "--weight-decay", type=positive_float, default=0.05, help="AdamW's decoupled decay (default: %(default)s)"
)
parser.add_argument(
    "--dataset", choices=kerasdnn.choices.IMAGE_DATASETS, default="mnist", help="(default: %(default)s)"
)
parser.add_full_run_option(
    "--export-weights",
    action="store_true",
    help="save the best-validation seed's weights as the zoo's shipped weights (kerasdnn/zoo/weights/)",
)
args = parser.parse_args()
net = NETS[args.dataset]
epochs = args.epochs or net["epochs"]
output_dir = args.output_dir or os.path.join("runs", net["name"])

## The data
# 55,000 training and 5,000 validation images (hunkim's lab-10 split), pixels
# scaled to [0, 1]; the test split is evaluated once per seed, after training,
# and nothing is selected on it.

(x_train, y_train), test_data = kerasdnn.load_arrays(
    args.dataset, data_dir=args.data_dir, train_samples=args.train_samples, test_samples=args.test_samples
)
(x_train, y_train), validation_data = kerasdnn.split_validation(x_train, y_train)

## The network: Dense → BatchNorm → ReLU → Dropout blocks, then softmax
# Batch norm after each Dense layer (whose bias it makes redundant: use_bias
# is off) keeps every layer's inputs at zero mean and unit variance, which
# lets a larger learning rate train the net (Ioffe & Szegedy 2015).


def build_model():
    return kerasdnn.mlp((28, 28, 1), units=net["units"], dropout=net["dropout"], name=net["name"])


## The optimizer: AdamW, its rate cosine-decayed to zero over the run
# The larger starting rate batch norm tolerates, settled by the decay; the
# weight decay is decoupled from the gradient's moments.


def build_optimizer():
    # One step per batch: a last, smaller batch is a step too, unless it is left out.
    batches = len(x_train) // args.batch_size if net["drop_remainder"] else math.ceil(len(x_train) / args.batch_size)
    steps = epochs * batches
    schedule = keras.optimizers.schedules.CosineDecay(args.learning_rate, decay_steps=steps)
    return keras.optimizers.AdamW(learning_rate=schedule, weight_decay=args.weight_decay)


build_model().summary()

## Train once per seed

runs = []
for seed in args.seeds:
    keras.utils.set_random_seed(seed)  # the same seed, the same initial weights, shuffles and dropout masks
    run = kerasdnn.train(
        build_model(),
        x_train,
        y_train,
        validation_data=validation_data,
        test_data=test_data,
        epochs=epochs,
        batch_size=args.batch_size,
        drop_remainder=net["drop_remainder"],
        optimizer=build_optimizer(),
        seed=seed,
        verbose=2,
        output_dir=os.path.join(output_dir, f"seed_{seed}"),
        settings={"dataset": args.dataset, "smoke": args.smoke, "train_samples": len(x_train)},
    )
    runs.append({**run, "output_dir": os.path.join(output_dir, f"seed_{seed}")})

## Evaluate: mean ± standard deviation over the seeds, against the references

accuracy = seed_statistics([run["test"]["accuracy"] for run in runs])
seconds = seed_statistics([run["train_seconds"] for run in runs])
references = [
    {"model": f"{name} ({kerasdnn.zoo.model_info(name).source})", "accuracy": kerasdnn.zoo.model_info(name).reference}
    for name in {"mnist": ("lab10_bn", "keras_mnist_mlp"), "fashion_mnist": ("fashion_bn",)}[args.dataset]
]
ours = {
    "model": f"kerasdnn {net['name']} ({runs[0]['parameters']:,} parameters)",
    "accuracy": accuracy["mean"],
    "std": accuracy["std"],
    "seeds": len(runs),
    "epochs": runs[0]["epochs_run"],
    "seconds_per_run": seconds["mean"],
}
print(format_table([*references, ours], ["model", "accuracy", "std", "seeds", "epochs", "seconds_per_run"]))
# The seed with the best validation accuracy: its learning curves are the
# figure, and its weights the ones the zoo ships.
chosen = max(runs, key=lambda run: run["best"]["val_accuracy"] if run["best"] else 0.0)

## Record: the results file, its figure and, asked for, the shipped weights

summary = {
    "recipe": net["name"],
    "reproduces": {
        "mnist": "Hanbat §5/§6.4 BN-MLP on MNIST (hunkim lab-10-7), trained past it",
        "fashion_mnist": "ToBig's Fashion-MNIST MLP, trained past its best",
    }[args.dataset],
    "metric": "test accuracy",
    "reference": ", ".join(f"{r['accuracy']} ({r['model']})" for r in references),
    "ours": accuracy["mean"],
    "std": accuracy["std"],
    "seeds": list(args.seeds),
    "verdict": target_verdict(accuracy, kerasdnn.zoo.model_info(net["name"]).target),
    "epochs": runs[0]["epochs_run"],
    "train_seconds": sum(seconds["values"]),
}
finish_recipe(
    __file__,
    {
        "summary": summary,
        "reference": references,
        "test_accuracy": accuracy,
        "train_seconds": seconds,
        "best_validation_seed": chosen["seed"],
        # Only what was shipped: a run without --export-weights leaves the zoo's file as it was.
        **(
            {"shipped": {"seed": chosen["seed"], "test_accuracy": chosen["test"]["accuracy"]}}
            if args.export_weights
            else {}
        ),
        "runs": [{key: value for key, value in run.items() if key != "history"} for run in runs],
        "settings": vars(args),
    },
    args,
    name=net["name"],
    output_dir=output_dir,
    figure=os.path.join(f"seed_{chosen['seed']}", "learning_curves.png"),
)
if args.export_weights and not chosen["diverged"]:
    weights_file = kerasdnn.zoo.ship_weights(
        net["name"], args.dataset, os.path.join(chosen["output_dir"], "model.keras")
    )
    # The record's checksum guards the file against damage (create_model checks it).
    print(
        f"shipped weights (seed {chosen['seed']}) written to {weights_file}; put its SHA-256 "
        f"{kerasdnn.run_state.file_sha256(weights_file)} in the record of {net['name']} (kerasdnn/zoo/entries/headline.py)"
    )

## Result
# Generated by recipes/reproduction_table.py from the results files; do not edit.
# recipes/results/fashion_bn.json (seeds 0 1 2, jax backend, 2-core CPU): test
#   accuracy: 0.9081 ± 0.0019 (target ≥ 0.91: missed); reference 0.9013
#   (fashion_bn (ToBig's, Neural Network 심화, deck 003)); 40 epochs, 857 s of
#   training.
# recipes/results/mnist_bn.json (seeds 0 1 2, jax backend, 2-core CPU): test
#   accuracy: 0.9867 ± 0.0003 (target ≥ 0.987: missed); reference 0.9826
#   (lab10_bn (hunkim/DeepLearningZeroToAll lab-10)), 0.984 (keras_mnist_mlp
#   (Keras example mnist_mlp)); 15 epochs, 31 s of training.

## Discussion
# Seeds 0, 1, 2 (recipes/results/mnist_bn.json, fashion_bn.json), JAX, 2-core
# CPU. MNIST: 0.9864 / 0.9869 / 0.9869 test accuracy, mean 0.9867 ± 0.0003:
# past both references by about half a point, and 0.0003 short of the 0.987
# target (on every batch, before whole batches only: 0.9869 ± 0.0004). Before
# that run, single trials (not kept as results files) of Adam without weight
# decay, batch 256, label smoothing 0.1 and a 1024-512-256 net with Dropout
# 0.3 did no better on seed 0 than AdamW with decoupled decay 0.05, and decay
# 0.1 did no better over the three seeds; another tenth of a point within 15
# epochs needs more than these settings. Training took 10.2 s per seed on
# average (10.1, 10.4, 10.2 s; a 2-core AMD EPYC with AVX-512), the compiled
# steps already in the user's cache from earlier runs: a first epoch of 0.9
# to 1.1 s (tracing the steps in Python), a steady epoch 0.63 to 0.78 s, with
# 33 batches scanned in each compiled call. With an empty cache the first
# epoch takes longer, most of it JAX compiling the training step
# (benchmarks/results/time_to_accuracy.json has it). The shipped weights are
# seed 2's, the best validation accuracy of the three.
# Fashion-MNIST: 0.9093 / 0.9090 / 0.9059, mean 0.9081 ± 0.0019 in 40 epochs,
# past ToBig's best (0.9013) and their Kaggle baseline, short of the 0.910
# target; the best validation epochs (35 to 40) came late, so the cosine
# schedule's end, not overfitting, limits it.
