"""The ladder rungs that miss their reference, each tested with a controlled experiment.

Reproduces: nothing new; it tests the explanations the two ladder recipes
give for their rungs outside the band (deck 003 ToBig's ladder and
deck 004 §6.4 hunkim's lab-10), one cause at a time, over seeds:

1. lab-10-1 softmax regression above hunkim's 0.9194: the lab draws weights
   *and biases* from N(0, 1) (`tf.random_normal`), where the zoo's rung
   starts from Keras's small `random_normal` (std 0.05) and zero biases. Here
   the rung is run both ways, with the lab's other settings (Adam 1e-3,
   batch 100, 50 epochs).
2. ToBig's SGD rungs (+ReLU, +He) about two points above theirs: the deck
   does not state its batch size. The rungs are run at 32, 64 (the zoo's
   choice before this experiment; 128 since), 128 and 256, with the first
   seed: more steps per epoch help SGD(0.01) in 15 epochs, and the batch
   size moves the rung by more than the seeds do (the ladder's spread).
3. ToBig's +L2 rung far below theirs: PyTorch's `Adam(weight_decay=0.001)`
   adds 0.001·θ to the gradient of every parameter (biases and BatchNorm's γ
   and β too) and Adam rescales it, while the zoo's rung puts a Keras
   `l2(0.0005)` on the kernels only. Here the rung is run both ways (the
   coupled decay is `kerasdnn.optimizers.get(..., coupled_weight_decay=)`).

The rungs' networks and settings are shown below; they are the zoo records
`lab10_softmax` and `tobigs_*` (tests/test_recipes.py keeps them equal),
and each experiment changes one of them.

    python recipes/ladder_gaps.py           # full run, about 15 minutes on 2 CPU cores
    python recipes/ladder_gaps.py --smoke   # seconds: 512 images, 1 epoch, one seed

Expected: each experiment either moves the rung to its reference (the cause
found) or does not (the cause ruled out). Measured: see "Result" at the end.
"""

import os

# JAX trains dense nets fastest on a CPU (benchmarks/results/backends.json);
# a KERAS_BACKEND you set wins.
os.environ.setdefault("KERAS_BACKEND", "jax")

import keras

import kerasdnn
from kerasdnn.experiments import finish_recipe, format_table, positive_int, recipe_parser, spread_text
from kerasdnn.plotting import plot_comparison

## Setup

parser = recipe_parser(__doc__, epochs=None, batch_size=None, output_dir="runs/ladder_gaps", seeds=(0, 1, 2))
parser.add_sized_option(
    "--batch-sizes",
    type=positive_int,
    nargs="+",
    default=[32, 64, 128, 256],
    smoke=[32],
    help="batch sizes of the SGD rungs' sweep",
)
args = parser.parse_args()

## The data: MNIST for lab-10, Fashion-MNIST for ToBig's, 5,000 training images kept for validation
# Pixels scaled to [0, 1], as both ladders do.

DATA = {}
for dataset in ("mnist", "fashion_mnist"):
    (x_train, y_train), test_data = kerasdnn.load_arrays(
        dataset, data_dir=args.data_dir, train_samples=args.train_samples, test_samples=args.test_samples
    )
    DATA[dataset] = (*kerasdnn.split_validation(x_train, y_train), test_data)

## The rungs under test, as the ladder recipes build them
# lab-10-1 is softmax regression; ToBig's rungs are its 784-512-256-128-10
# MLP, starting from PyTorch's default initialization (uniform, variance
# 1 / (3 · fan_in)) until the +He rung.

IMAGE = (28, 28, 1)
TOBIGS = {"units": (512, 256, 128), "activation": "relu", "normalization": None}
TOBIGS_DROPOUT = {
    **TOBIGS,
    "kernel_initializer": "he_uniform",
    "normalization": "batch",
    "use_bias": True,
    "dropout": 0.2,
}
NETWORKS = {
    "lab10_softmax": lambda: kerasdnn.mlp(IMAGE, units=(), kernel_initializer="random_normal", name="lab10_softmax"),
    "tobigs_relu": lambda: kerasdnn.mlp(
        IMAGE, kernel_initializer=kerasdnn.zoo.TORCH_LINEAR_INIT, name="tobigs_relu", **TOBIGS
    ),
    "tobigs_he": lambda: kerasdnn.mlp(IMAGE, kernel_initializer="he_uniform", name="tobigs_he", **TOBIGS),
    "tobigs_dropout": lambda: kerasdnn.mlp(IMAGE, name="tobigs_dropout", **TOBIGS_DROPOUT),
    # +L2: the +Dropout net with a kernel penalty, l2(0.0005) (its gradient is
    # the 0.001·w that PyTorch's weight_decay=0.001 adds).
    "tobigs_l2": lambda: kerasdnn.mlp(IMAGE, kernel_regularizer=5e-4, name="tobigs_l2", **TOBIGS_DROPOUT),
}

## How the sources train them: lab-10-1 Adam(1e-3), batch 100, 50 epochs; ToBig's 15 epochs, batch 128
# ToBig's trains its first rungs with SGD(0.01, momentum 0.5), its later ones
# with Adam(0.01). --epochs, when given, applies to every run.

LAB10 = {
    "dataset": "mnist",
    "optimizer": lambda: keras.optimizers.Adam(learning_rate=1e-3),
    "epochs": 50,
    "batch_size": 100,
}
SGD = {"dataset": "fashion_mnist", "optimizer": lambda: keras.optimizers.SGD(learning_rate=0.01, momentum=0.5)}
ADAM = {"dataset": "fashion_mnist", "optimizer": lambda: keras.optimizers.Adam(learning_rate=0.01)}
TRAINING = {
    "lab10_softmax": LAB10,
    "tobigs_relu": {**SGD, "epochs": 15, "batch_size": 128},
    "tobigs_he": {**SGD, "epochs": 15, "batch_size": 128},
    "tobigs_dropout": {**ADAM, "epochs": 15, "batch_size": 128},
    "tobigs_l2": {**ADAM, "epochs": 15, "batch_size": 128},
}
NETWORKS["tobigs_l2"]().summary()
rows = []


def seed_runs(name, folder, build_model=None, seeds=args.seeds, **changed):
    """Trains rung `name` once per seed into `folder/seed_N`, with its sources' settings except those `changed`."""
    training = {**TRAINING[name], **changed}
    (x_train, y_train), validation_data, test_data = DATA[training["dataset"]]
    runs = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)  # the same seed, the same initial weights, shuffles and dropout masks
        runs.append(
            kerasdnn.train(
                (build_model or NETWORKS[name])(),
                x_train,
                y_train,
                validation_data=validation_data,
                test_data=test_data,
                epochs=args.epochs or training["epochs"],
                batch_size=training["batch_size"],
                optimizer=training["optimizer"](),
                loss="sparse_categorical_crossentropy",
                seed=seed,
                verbose=0,
                output_dir=os.path.join(args.output_dir, folder, f"seed_{seed}"),
                settings={"zoo_model": name, "dataset": training["dataset"], "smoke": args.smoke},
            )
        )
    return runs


def add_row(experiment, name, setting, runs):
    """Adds one setting's runs over the seeds, judged against the rung's reference."""
    compared = kerasdnn.zoo.compare_with_record(kerasdnn.zoo.model_info(name), runs)
    keys = ("metric", "reference", "ours", "std", "values", "reproduced", "train_seconds")
    rows.append({"experiment": experiment, "rung": name, "setting": setting, **{key: compared[key] for key in keys}})


## 1. lab-10-1: Keras's small initial weights, or the lab's N(0, 1) weights and biases

add_row(
    "softmax init",
    "lab10_softmax",
    "zoo: random_normal (std 0.05), zero biases",
    seed_runs("lab10_softmax", "softmax_zoo"),
)


def lab_init():
    """lab-10-1's softmax regression as the lab starts it: tf.random_normal([784, 10]) and tf.random_normal([10])."""
    return keras.Sequential(
        [
            keras.Input(IMAGE),
            keras.layers.Flatten(),
            keras.layers.Dense(
                10,
                activation="softmax",
                kernel_initializer=kerasdnn.BigRandomNormal(),
                bias_initializer=kerasdnn.BigRandomNormal(),
            ),
        ],
        name="lab10_softmax_lab_init",
    )


runs = seed_runs("lab10_softmax", "softmax_lab", build_model=lab_init)
add_row("softmax init", "lab10_softmax", "lab: N(0, 1) weights and biases", runs)

## 2. ToBig's SGD rungs at four batch sizes, first seed

for name in ("tobigs_relu", "tobigs_he"):
    for batch_size in args.batch_sizes:
        runs = seed_runs(name, f"{name}_batch_{batch_size}", seeds=args.seeds[:1], batch_size=batch_size)
        add_row("SGD batch size", name, f"batch {batch_size}", runs)

## 3. ToBig's +L2: Keras's kernel L2, or PyTorch's coupled weight decay on every parameter

add_row("L2", "tobigs_l2", "zoo: kernel l2(0.0005), Adam(0.01)", seed_runs("tobigs_l2", "l2_kernel"))
# PyTorch's Adam(weight_decay=0.001) adds 0.001·θ to the gradient of every
# parameter, biases and BatchNorm's γ and β too, before Adam rescales it: the
# +Dropout net (no kernel penalty) with that coupled decay.
runs = seed_runs(
    "tobigs_dropout",
    "l2_coupled",
    optimizer=lambda: kerasdnn.optimizers.get("adam", learning_rate=0.01, coupled_weight_decay=1e-3),
)
add_row("L2", "tobigs_l2", "PyTorch: Adam(0.01, weight_decay=0.001), every parameter", runs)

## Evaluate: which setting brings each rung to its reference

print(format_table(rows, ["experiment", "rung", "setting", "reference", "ours", "std", "reproduced"]))
plot_comparison(
    [f"{row['rung']}\n{row['setting'][:28]}" for row in rows],
    {"reference": [row["reference"] for row in rows], "kerasdnn": [row["ours"] for row in rows]},
    os.path.join(args.output_dir, "ladder_gaps.png"),
    ylabel="accuracy (test; ToBig's: validation)",
    title="Ladder rungs outside their band: one cause at a time",
    ylim=(0.6, 1.0),
    errors={"kerasdnn": [row["std"] for row in rows]},
)
summary = {
    "recipe": "ladder_gaps",
    "reproduces": "controlled experiments for the ladder rungs outside their band",
    "metric": "accuracy per setting (rung: setting)",
    "reference": " / ".join(f"{row['reference']}" for row in rows),
    "ours": " / ".join(spread_text(row["ours"], row["std"]) for row in rows),
    "seeds": list(args.seeds),
    "verdict": f"{sum(bool(row['reproduced']) for row in rows)} of {len(rows)} settings reproduce their rung",
    "epochs": "rungs' own",
    "train_seconds": sum(row["train_seconds"] for row in rows),
}
finish_recipe(__file__, {"summary": summary, "rows": rows, "settings": vars(args)}, args, figure="ladder_gaps.png")

## Result
# Generated by recipes/reproduction_table.py from the results files; do not edit.
# recipes/results/ladder_gaps.json (seeds 0 1 2, jax backend, 2-core CPU):
#   accuracy per setting (rung: setting): 0.9277 ± 0.0015 / 0.9163 ± 0.0026 /
#   0.8880 / 0.8764 / 0.8512 / 0.8270 / 0.8956 / 0.8920 / 0.8698 / 0.8574 /
#   0.7563 ± 0.0295 / 0.7537 ± 0.0228 (3 of 12 settings reproduce their rung);
#   reference 0.9194 / 0.9194 / 0.8559 / 0.8559 / 0.8559 / 0.8559 / 0.8723 /
#   0.8723 / 0.8723 / 0.8723 / 0.8271 / 0.8271; rungs' own epochs, 311 s of
#   training.

## Discussion
# Seeds 0, 1, 2 (recipes/results/ladder_gaps.json), accuracy against the rung's
# reference:
# 1. lab-10-1 softmax: with Keras's small weights and zero biases the rung
#    lands at 0.9277 ± 0.0015, outside; with the lab's N(0, 1) weights and
#    biases at 0.9163 ± 0.0026, within the band of 0.9194. The initialization
#    was the cause: large random weights start the linear model far from its
#    optimum, and 50 epochs of Adam at 1e-3 do not close the distance.
# 2. ToBig's SGD rungs (seed 0): +ReLU reads 0.8880 / 0.8764 / 0.8512 /
#    0.8270 and +He 0.8956 / 0.8920 / 0.8698 / 0.8574 at batch 32 / 64 /
#    128 / 256. Batch 128 alone puts both within a point of the deck (0.8559,
#    0.8723): fewer steps per epoch slow SGD(0.01) in 15 epochs. The zoo's
#    ToBig's records train at 128.
# 3. ToBig's +L2: kernel-only l2(0.0005) 0.7563 ± 0.0295, PyTorch's coupled
#    weight decay on every parameter 0.7537 ± 0.0228, both about seven points
#    below the deck's 0.8271 and outside its band. Coupled decay does not
#    close the gap, so the way the penalty reaches the biases and BatchNorm
#    is ruled out as its cause. What remains is the instability of the
#    reading: Adam at 0.01 under this penalty swings from epoch to epoch
#    (single seeds from 0.7278 to 0.7900 here), and epoch 15 is one sample of
#    the swing; the gap stays unexplained.
