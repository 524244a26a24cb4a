"""ToBig's Fashion-MNIST ladder: one technique at a time, then a tuned last rung.

Reproduces: SPEC.md deck 003 (ToBig's). A 784-512-256-128-10 MLP, SGD(0.01,
momentum 0.5), 15 epochs, validation accuracy at epoch 15: linear layers only,
+ReLU, +He init, +BatchNorm, Adam(0.01) instead of SGD, +Dropout(0.2), +L2
weight decay 0.001. Each rung is a zoo entry (`tobigs_*`) starting from
PyTorch's default initialization as the deck's code does. Then the zoo's
tuned `fashion_bn` (784-1024-512-10 BN-MLP, Dropout 0.4, Adam with cosine
decay, 30 epochs), measured on the test split against ToBig's best (90.13 %)
and their Kaggle baseline (0.90257).

    python recipes/fashion_ladder.py           # full run, about 11 minutes on 2 CPU cores (10 of training)
    python recipes/fashion_ladder.py --smoke   # seconds: 512 images, 1 epoch per rung

Expected: 84.66 / 85.59 / 87.23 / 88.76 / 89.48 / 88.94 / 82.71 %, each rung
within ±1 point; the tuned rung at least 90.5 % test accuracy. The deck does
not state its batch size; 64 here. Measured: see "Result" at the end.
"""

import os

# JAX trains dense and recurrent nets fastest on a CPU (a BN-MLP epoch 0.76 s
# against TensorFlow's 2.08 s: kerasdnn.zoo.BACKENDS); a KERAS_BACKEND you set wins.
os.environ.setdefault("KERAS_BACKEND", "jax")

import kerasdnn
from kerasdnn.plotting import plot_comparison
from kerasdnn.reporting import format_table, ladder_summary, record_result, recipe_parser

## Setup

parser = recipe_parser(__doc__, epochs=None, batch_size=None, output_dir="runs/fashion_ladder")
args = parser.parse_args()
rungs = ["tobigs_linear", "tobigs_relu", "tobigs_he", "tobigs_bn", "tobigs_adam", "tobigs_dropout", "tobigs_l2", "fashion_bn"]

## Train every rung
# Each uses its zoo record's settings (55,000 training and 5,000 validation
# images); --epochs / --batch-size, when given, apply to all.

rows = kerasdnn.zoo.train_ladder(
    rungs, output_dir=args.output_dir, epochs=args.epochs, batch_size=args.batch_size,
    data_dir=args.data_dir, seed=args.seed, smoke=args.smoke,
)

## Evaluate

print(format_table(rows, ["model", "metric", "reference", "ours", "difference", "epochs", "train_seconds"]))
plot_comparison(
    rungs,
    {"ToBig's": [row["reference"] for row in rows], "kerasdnn": [row["ours"] for row in rows]},
    os.path.join(args.output_dir, "ladder.png"),
    ylabel="accuracy (validation; fashion_bn: test)", title="Fashion-MNIST ladder (ToBig's)", ylim=(0.75, 0.95),
)
summary = ladder_summary(rows, recipe="fashion_ladder", reproduces="deck 003 ToBig's Fashion-MNIST ladder (7 rungs + tuned)",
                         metric="validation accuracy per rung; last: test")
payload = {"summary": summary, "rungs": rows, "settings": vars(args)}
kerasdnn.write_json(os.path.join(args.output_dir, "ladder.json"), payload)
record_result(os.path.join(os.path.dirname(__file__), "results", "fashion_ladder.json"), payload, smoke=args.smoke, results_dir=args.results_dir)

## Result
# Seed 0, 2-core CPU, about 10 minutes (recipes/results/fashion_ladder.json),
# validation accuracy at the last epoch, ours vs ToBig's:
#   linear   0.8552 vs 0.8466 (+0.9)    +ReLU     0.8864 vs 0.8559 (+3.1)
#   +He      0.8958 vs 0.8723 (+2.4)    +BN       0.8862 vs 0.8876 (−0.1)
#   Adam     0.8898 vs 0.8948 (−0.5)    +Dropout  0.8960 vs 0.8894 (+0.7)
#   +L2      0.6906 vs 0.8271 (−13.7)   tuned fashion_bn: test 0.9069 (target 0.905)
# Four rungs are within ±1 point. +ReLU and +He land 2-3 points above theirs:
# the deck does not state its batch size, and 64 gives SGD many more steps in
# 15 epochs than a larger batch would; with more steps SGD's rungs catch up
# with the BN rung, so the ladder's early steps look smaller here. The L2 rung
# falls 13.7 points below: Adam at 0.01 with a coupled L2 penalty swings from
# epoch to epoch (epoch-15 accuracy is one sample of that swing), and our
# penalty of 0.0005 on kernels only is the deck's weight_decay=0.001 as Keras
# writes it; the deck's point stands, more so: this strength is too strong.
# The tuned last rung beats ToBig's best (0.9013) and the Kaggle baseline.
