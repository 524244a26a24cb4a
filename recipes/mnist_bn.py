"""Batch-normalized MLP on MNIST: kerasdnn's headline recipe, over three seeds.

Reproduces: the Hanbat deck's batch-normalization section and its MNIST
digit classifier (Hanbat deck 004 §5 and §6.3-6.4), trained past the
reference numbers of hunkim/DeepLearningZeroToAll lab-10 (4×512 BN net,
98.26 %) and Keras's mnist_mlp example (98.40 %). The net and its training
are the zoo's `mnist_bn` record (AdamW with decoupled weight decay, cosine
learning-rate decay); `--dataset fashion_mnist` trains the record
`fashion_bn` past ToBig's best Fashion-MNIST MLP (90.13 %).

    python recipes/mnist_bn.py                  # full run: 15 epochs × seeds 0 1 2
    python recipes/mnist_bn.py --smoke          # seconds: 512 images, 1 epoch, seed 0
    python recipes/mnist_bn.py --seeds 7        # one run with seed 7
    python recipes/mnist_bn.py --data-dir ../shared/tensorflow_datasets  # offline copy
    python recipes/mnist_bn.py --dataset fashion_mnist   # the wider Fashion-MNIST net, 40 epochs × 3 seeds
    python recipes/mnist_bn.py --export-weights          # also ship the best-validation seed's weights

Expected: the records' targets, as means over seeds 0, 1, 2: MNIST at least
98.7 % test accuracy in 15 epochs (about 50 s of training per seed on a
2-core CPU), Fashion-MNIST at least 91.0 % in 40 epochs (about 5 minutes per
seed). Measured: see "Result" at the end of this file.
"""

import os

# JAX trains dense and recurrent nets fastest on a CPU (a BN-MLP epoch 1.73 s
# against TensorFlow's 3.28 s: benchmarks/results/backends.json); a
# KERAS_BACKEND you set wins.
os.environ.setdefault("KERAS_BACKEND", "jax")

import keras

import kerasdnn
from kerasdnn.reporting import format_table, positive_float, recipe_parser
from kerasdnn.results import record_result, seed_statistics, target_verdict

## Setup

parser = recipe_parser(__doc__, epochs=None, batch_size=None, output_dir=None, seeds=(0, 1, 2))
parser.add_argument("--learning-rate", type=positive_float, help="initial learning rate (default: the zoo record's)")
parser.add_argument(
    "--dataset", choices=kerasdnn.choices.IMAGE_DATASETS, default="mnist", help="(default: %(default)s)"
)
parser.add_argument(
    "--export-weights",
    action="store_true",
    help="save the best-validation seed's weights as the zoo's shipped weights (kerasdnn/weights/)",
)
args = parser.parse_args()
# Fashion-MNIST's classes overlap more (shirt, T-shirt, pullover), so it takes
# a wider, more strongly regularized net and more epochs: each zoo record
# holds its net's settings, which the options above override when given.
run_name = "mnist_bn" if args.dataset == "mnist" else "fashion_bn"
info = kerasdnn.zoo.model_info(run_name)
output_dir = args.output_dir or os.path.join("runs", run_name)

## Train once per seed
# kerasdnn.zoo.train_model builds the record's net and trains it as the record
# says: 55,000 training and 5,000 validation images (hunkim's lab-10 split),
# pixels scaled to [0, 1], the optimizer, learning rate (cosine-decayed to zero
# over the run: batch norm tolerates the larger starting rate, the decay
# settles the weights), batch size and epochs. The test split is evaluated
# once per seed, after training; nothing is selected on it.

runs = [
    kerasdnn.zoo.train_model(
        run_name,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        data_dir=args.data_dir,
        output_dir=os.path.join(output_dir, f"seed_{seed}"),
        seed=seed,
        smoke=args.smoke,
    )
    for seed in args.seeds
]

## Evaluate: mean ± standard deviation over the seeds, against the references

accuracy = seed_statistics([run["test"]["accuracy"] if run["test"] else None for run in runs])
seconds = seed_statistics([run["train_seconds"] for run in runs])
# As the zoo records them: the numbers the ladder recipes compare with too
# (fashion_bn's reference is ToBig's best MLP, on their validation split).
references = [
    {"model": f"{name} ({kerasdnn.zoo.model_info(name).source})", "accuracy": kerasdnn.zoo.model_info(name).reference}
    for name in {"mnist": ("lab10_bn", "keras_mnist_mlp"), "fashion_mnist": ("fashion_bn",)}[args.dataset]
]
ours = {
    "model": f"kerasdnn {run_name} ({runs[0]['parameters']:,} parameters)",
    "accuracy": accuracy["mean"],
    "std": accuracy["std"],
    "seeds": len(runs),
    "epochs": runs[0]["epochs_run"],
    "seconds_per_run": seconds["mean"],
}
print(format_table([*references, ours], ["model", "accuracy", "std", "seeds", "epochs", "seconds_per_run"]))
summary = {
    "recipe": run_name,
    "reproduces": {
        "mnist": "Hanbat §5/§6.4 BN-MLP on MNIST (hunkim lab-10-7), trained past it",
        "fashion_mnist": "ToBig's Fashion-MNIST MLP, trained past its best",
    }[args.dataset],
    "metric": "test accuracy",
    "reference": ", ".join(f"{r['accuracy']} ({r['model']})" for r in references),
    "ours": accuracy["mean"],
    "std": accuracy["std"],
    "seeds": list(args.seeds),
    "verdict": target_verdict(accuracy, info.target),
    "epochs": runs[0]["epochs_run"],
    "train_seconds": sum(seconds["values"]),
}
# The weights the zoo ships: the seed with the best validation accuracy.
chosen = max(runs, key=lambda run: run["best"]["val_accuracy"] if run["best"] else 0.0)
record_result(
    os.path.join(os.path.dirname(__file__), "results", f"{run_name}.json"),
    {
        "summary": summary,
        "reference": references,
        "test_accuracy": accuracy,
        "train_seconds": seconds,
        "shipped": {"seed": chosen["seed"], "test_accuracy": chosen["test"]["accuracy"]},
        "runs": [{key: value for key, value in run.items() if key != "history"} for run in runs],
        "settings": vars(args),
    },
    smoke=args.smoke,
    results_dir=args.results_dir,
    figure=os.path.join(chosen["output_dir"], "learning_curves.png"),
)

if args.export_weights and not args.smoke and not chosen["diverged"]:
    weights_file = kerasdnn.zoo.weights_path(run_name, args.dataset)
    os.makedirs(os.path.dirname(weights_file), exist_ok=True)
    # A fresh copy holds only the layers' weights: the saved model.keras
    # carries the optimizer's moments too, three times the size.
    shipped = kerasdnn.zoo.create_model(run_name)
    shipped.set_weights(keras.saving.load_model(os.path.join(chosen["output_dir"], "model.keras")).get_weights())
    shipped.save_weights(weights_file)
    # The record's checksum guards the file against damage (create_model checks it).
    print(
        f"shipped weights (seed {chosen['seed']}) written to {weights_file}; put its SHA-256 "
        f"{kerasdnn.run_state.file_sha256(weights_file)} in the record of {run_name} (kerasdnn/entries/headline.py)"
    )

## Result
# Generated by recipes/reproduction_table.py from the results files; do not edit.
# recipes/results/fashion_bn.json (seeds 0 1 2, jax backend, 2-core CPU): test
#   accuracy: 0.9081 ± 0.0019 (target ≥ 0.91: missed); reference 0.9013
#   (fashion_bn (ToBig's, Neural Network 심화, deck 003)); 40 epochs, 857 s of
#   training.
# recipes/results/mnist_bn.json (seeds 0 1 2, jax backend, 2-core CPU): test
#   accuracy: 0.9869 ± 0.0010 (target ≥ 0.987: missed); reference 0.9826
#   (lab10_bn (hunkim/DeepLearningZeroToAll lab-10)), 0.984 (keras_mnist_mlp
#   (Keras example mnist_mlp)); 15 epochs, 150 s of training.

## Discussion
# Seeds 0, 1, 2 (recipes/results/mnist_bn.json, fashion_bn.json), JAX, 2-core
# CPU. MNIST: 0.9881 / 0.9866 / 0.9861 test accuracy, mean 0.9869 ± 0.0010:
# past both references by about half a point, and 0.0001 short of the 0.987
# target. Before this run, single trials (not kept as results files) of
# Adam without weight decay, batch 256, label smoothing 0.1 and a
# 1024-512-256 net with Dropout 0.3 did no better on seed 0 than AdamW with
# decoupled decay 0.05, and decay 0.1 did no better over the three seeds;
# another tenth of a point within 15 epochs needs more than these settings. Training took 50 s per seed (2.7 s per epoch after a first
# epoch of about 10 s, most of it JAX compiling the training step, once for
# the full batches and again for the last, smaller one): the 30 s target is
# not met on this CPU (AVX2, no AVX-512).
# Fashion-MNIST: 0.9093 / 0.9090 / 0.9059, mean 0.9081 ± 0.0019 in 40 epochs,
# past ToBig's best (0.9013) and their Kaggle baseline, short of the 0.910
# target; the best validation epochs (35 to 40) came late, so the cosine
# schedule's end, not overfitting, limits it.
