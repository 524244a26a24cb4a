"""Hyperparameter search from the headline net, its choice retrained over three seeds.

Reproduces: the hyperparameter-search step of deck 002 and the
Hanbat deck's advice to try several optimizers and rates, done with
keras-tuner, and asks whether tuning pays for itself: does the configuration
chosen on validation beat the untuned zoo net (`mnist_bn`, or `fashion_bn`
with `--dataset fashion_mnist`) by more than the seeds' noise? The search
starts from that net (its first trial) and keeps what the recipes before
settled: batch norm, He initialization (Glorot at the output), AdamW with
cosine decay to zero, no L1/L2 penalty. It searches depth, widths up to 2048, activation, dropout,
AdamW's decoupled weight decay, learning rate (log scale) and batch size;
`kerasdnn tune` searches the whole space. Trials train 5 epochs, their
cosine schedule ending with them, on all 55,000 training images and are
scored on the 5,000 held-out ones. The three best are trained for the zoo
net's epochs (15 on MNIST, 40 on Fashion-MNIST) with the first seed; the one
best on validation is trained with the other seeds too and only then meets
the test split.

    python recipes/tune_mnist.py                           # about 25 minutes on 2 CPU cores
    python recipes/tune_mnist.py --dataset fashion_mnist   # the same on Fashion-MNIST, about 25 minutes
    python recipes/tune_mnist.py --smoke                   # seconds: 2 trials on 512 images, one seed

Rerunning resumes the search in tuner_runs/ (add --overwrite to start over).
Expected: the tuned mean over seeds 0, 1, 2 beating the untuned one by more
than the larger standard deviation ("pays"). Measured: it does not, on
either dataset; see "Result" and "Discussion" at the end.
"""

import json
import os

# JAX trains dense and recurrent nets fastest on a CPU (a BN-MLP epoch 1.73 s
# against TensorFlow's 3.28 s: benchmarks/results/backends.json); a
# KERAS_BACKEND you set wins.
os.environ.setdefault("KERAS_BACKEND", "jax")

import keras

import kerasdnn
from kerasdnn import tuning
from kerasdnn.experiments import (
    finish_recipe,
    format_table,
    improvement_verdict,
    positive_int,
    recipe_parser,
    seed_statistics,
)

## Setup

parser = recipe_parser(__doc__, epochs=None, batch_size=None, output_dir=None, seeds=(0, 1, 2))
parser.add_argument(
    "--dataset", choices=kerasdnn.choices.IMAGE_DATASETS, default="mnist", help="(default: %(default)s)"
)
parser.add_argument("--tuner", choices=tuning.TUNERS, default="bayesian", help="(default: %(default)s)")
parser.add_sized_option("--max-trials", type=positive_int, default=12, smoke=2, help="trials of the search")
parser.add_sized_option("--trial-epochs", type=positive_int, default=5, smoke=1, help="epochs per trial")
parser.add_sized_option(
    "--finalists", type=positive_int, default=3, smoke=1, help="best trials trained in full, one seed each"
)
# A smoke run searches afresh in its own output folder, leaving tuner_runs/ alone.
parser.add_sized_option(
    "--overwrite", action="store_true", smoke=True, help="discard an earlier search instead of resuming it"
)
parser.add_sized_option(
    "--tuner-dir", default=tuning.DEFAULT_DIRECTORY, smoke=None, help="the search's folder (--smoke: OUTPUT_DIR/tuner)"
)
args = parser.parse_args()
name = f"tune_{args.dataset}"
output_dir = args.output_dir or os.path.join("runs", name)
record, _ = tuning.HEADLINES[args.dataset]
epochs = args.epochs or kerasdnn.zoo.model_info(record).training["epochs"]

## Search
# Short trials rank configurations; what matters is their order, not their
# accuracy. The first trial is the untuned record's net.

tuner, _ = tuning.run_search(
    args.dataset,
    kind=args.tuner,
    max_trials=args.max_trials,
    epochs=args.trial_epochs,
    train_samples=args.train_samples,
    batch_norm=True,
    kernel_initializer="auto",
    l1=0.0,
    l2=0.0,
    optimizer="adamw",
    schedule="cosine",
    directory=args.tuner_dir or os.path.join(output_dir, "tuner"),
    project_name=name,
    overwrite=args.overwrite,
    data_dir=args.data_dir,
    seed=args.seeds[0],
)
trials = tuning.trial_rows(tuner)
print(
    format_table(
        trials,
        [
            "trial",
            "status",
            "score",
            "depth",
            "units_1",
            "units_2",
            "activation",
            "dropout",
            "weight_decay",
            "learning_rate",
            "batch_size",
        ],
    )
)

## Train the finalists in full, keep the best on validation

(x_train, y_train), test_data = kerasdnn.load_arrays(
    args.dataset,
    data_dir=args.data_dir,
    train_samples=args.train_samples,
    test_samples=args.test_samples,
)
(x_train, y_train), validation_data = kerasdnn.split_validation(x_train, y_train)


def train_in_full(hyperparameters, seed, folder, test=None):
    """Trains the trial's configuration for the full run with `seed`; returns train's results."""
    keras.utils.set_random_seed(seed)
    model = tuning.MLPHyperModel().build(hyperparameters.copy())
    values = hyperparameters.values
    return kerasdnn.train(
        model,
        x_train,
        y_train,
        validation_data=validation_data,
        test_data=test,
        epochs=epochs,
        batch_size=values["batch_size"],
        optimizer=tuning.trial_optimizer(values, epochs=epochs, samples=len(x_train)),
        seed=seed,
        verbose=2,
        output_dir=os.path.join(output_dir, folder),
        settings={"hyperparameters": values},
    )


finalists = [
    {
        "rank": rank,
        "hyperparameters": hyperparameters,
        "run": train_in_full(hyperparameters, args.seeds[0], f"finalist{rank}"),
    }
    for rank, hyperparameters in enumerate(tuner.get_best_hyperparameters(args.finalists), 1)
]
finalist_rows = [
    {
        "rank": f["rank"],
        "hyperparameters": f["hyperparameters"].values,
        "val_accuracy": f["run"]["best"]["val_accuracy"],
        "train_seconds": f["run"]["train_seconds"],
    }
    for f in finalists
]
print(format_table(finalist_rows, ["rank", "val_accuracy", "train_seconds"]))
chosen = max(finalists, key=lambda finalist: finalist["run"]["best"]["val_accuracy"])

## Evaluate: the chosen configuration over the seeds, against the untuned net's seeds
# The test split is used only now, once per seed of the one configuration
# kept. The untuned numbers are the record's own full run
# (recipes/mnist_bn.py writes them).

model = keras.saving.load_model(os.path.join(output_dir, f"finalist{chosen['rank']}", "model.keras"))
first_test = model.evaluate(*test_data, verbose=0, return_dict=True)
model.save(os.path.join(output_dir, "best.keras"))
runs = [{**chosen["run"], "test": first_test}] + [
    train_in_full(chosen["hyperparameters"], seed, os.path.join(f"finalist{chosen['rank']}", f"seed_{seed}"), test_data)
    for seed in args.seeds[1:]
]
tuned = seed_statistics([run["test"]["accuracy"] for run in runs])
with open(os.path.join(os.path.dirname(__file__), "results", f"{record}.json")) as handle:
    untuned = json.load(handle)["test_accuracy"]
print(
    format_table(
        [
            {"model": f"{record}, untuned", **untuned},
            {"model": f"tuned ({len(trials)} trials, finalist {chosen['rank']})", **tuned},
        ],
        ["model", "mean", "std", "runs"],
    )
)
summary = {
    "recipe": name,
    "reproduces": f"keras-tuner {args.tuner} search on {args.dataset} from {record}, the choice retrained",
    "metric": "test accuracy",
    "reference": f"{untuned['mean']:.4f} ± {untuned['std']:.4f} ({record} untuned, {untuned['runs']} seeds)",
    "ours": tuned["mean"],
    "std": tuned["std"],
    "seeds": list(args.seeds),
    "verdict": improvement_verdict(tuned, untuned),
    "epochs": f"{len(trials)} trials × {args.trial_epochs} + {len(finalists) + len(runs) - 1} × {epochs}",
    "train_seconds": sum(row["train_seconds"] for row in finalist_rows) + sum(run["train_seconds"] for run in runs[1:]),
}
payload = {
    "summary": summary,
    "best_hyperparameters": chosen["hyperparameters"].values,
    "trials": trials,
    "test_accuracy": tuned,
    "untuned": untuned,
    "finalists": finalist_rows,
    "runs": [{key: value for key, value in run.items() if key != "history"} for run in runs],
    "settings": vars(args),
}
finish_recipe(
    __file__,
    payload,
    args,
    name=name,
    output_dir=output_dir,
    figure=os.path.abspath(os.path.join(tuner.project_dir, "report", "scores.png")),
)

## Result
# Generated by recipes/reproduction_table.py from the results files; do not edit.
# recipes/results/tune_fashion_mnist.json (seeds 0 1 2, jax backend, 2-core
#   CPU): test accuracy: 0.9098 ± 0.0025 (tuned − untuned +0.0017 ≤ larger std
#   0.0025: does not pay); reference 0.9081 ± 0.0019 (fashion_bn untuned, 3
#   seeds); 12 trials × 5 + 4 × 40 epochs, 1267 s of training.
# recipes/results/tune_mnist.json (seeds 0 1 2, jax backend, 2-core CPU): test
#   accuracy: 0.9867 ± 0.0003 (tuned − untuned -0.0002 ≤ larger std 0.0010:
#   does not pay); reference 0.9869 ± 0.0010 (mnist_bn untuned, 3 seeds); 12
#   trials × 5 + 5 × 15 epochs, 252 s of training.

## Discussion
# Seeds 0, 1, 2, JAX, 2-core CPU, bayesian search, 12 trials of 5 epochs
# from the untuned net. Tuning does not pay on either dataset.
# MNIST (recipes/results/tune_mnist.json): the untuned mnist_bn scored 0.9838
# after its 5-epoch trial, second of 12. The three best trained 15 epochs
# reached validation 0.9866 (256-64-64, no dropout, AdamW decay 0.1 at
# 9.3e-4), 0.9872 (the untuned net itself: the same as mnist_bn's own seed-0
# run) and 0.9882 (1024-256-256, dropout 0.4, decay 0.2 at 6.3e-3, batch
# 256). The last, kept, scored 0.9867 / 0.9864 / 0.9870 test accuracy,
# 0.9867 ± 0.0003 against the untuned 0.9869 ± 0.0010
# (recipes/results/mnist_bn.json): −0.0002. Its validation lead over the
# untuned net was 10 of 5,000 images, and the binomial standard error of an
# accuracy of 0.988 on 5,000 images is √(0.988·0.012/5000) ≈ 0.0015: the
# split ranks finalists by less than its own noise.
# Fashion-MNIST (recipes/results/tune_fashion_mnist.json, run with
# --finalists 2 for time): the untuned fashion_bn was fourth after 5 epochs
# (0.9002, against 0.9100, 0.9030 and 0.9014), so it missed the final,
# though its own 40-epoch runs reached validation 0.9186 / 0.9168 / 0.9186
# (recipes/results/fashion_bn.json), above both finalists: Dropout(0.4)
# learns slowly and short trials rank fast starters. The finalists reached
# validation 0.9142 (2048-512 leaky ReLU, dropout 0.2, decay 0.1 at 8.3e-4,
# 379 s) and 0.9128 (one 512 block, dropout 0.2, decay 0.01, batch 64, 76
# s); the first, kept, scored 0.9127 / 0.9083 / 0.9084 test accuracy,
# 0.9098 ± 0.0025 against the untuned 0.9081 ± 0.0019: +0.0017, within the
# spread (of the three seeds only seed 0 passes 0.910).
# What the two runs rule out: widening the space (widths to 2048, AdamW's
# decay, the schedule) does not by itself make tuning pay; what they leave
# to try: the untuned net always among the finalists, and finalists judged
# on validation averaged over seeds.
