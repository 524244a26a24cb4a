"""How optimizers move: GD vs SGD vs mini-batch, seven optimizers' paths on a 2-D loss surface, Adagrad's stall.

Reproduces: deck 001 (gradient descent and SGD drawn at η = 0.01,
0.03 and 0.13; momentum damping SGD's oscillation; NAG; Adagrad, whose
accumulated squared gradients make its steps shrink "until learning no
longer works"; RMSprop, Adadelta, Adam) and deck 003's optimizer pictures.

1. One linear regression (the Hanbat deck's `Dense(1, input_dim=3)` task),
   trained by full-batch gradient descent, by per-sample SGD and by
   mini-batches of 32 at each of the deck's three rates, for the same epochs.
2. The ravine f(x, y) = x²/20 + y² from (-7, 2): each of the decks' seven
   optimizers (Keras's own classes, through `kerasdnn.optimizers.get`) takes
   the same number of steps; the paths are drawn on the contours.
3. Adagrad against RMSprop on the same surface for many steps: the length of
   each step, which Adagrad's growing sum of squared gradients shrinks.

    python recipes/optimizer_paths.py           # full run, under a minute on 2 CPU cores
    python recipes/optimizer_paths.py --smoke   # seconds: fewer epochs and steps

Expected: GD takes one step per epoch and crawls at η = 0.01 where SGD, with
a thousand steps per epoch, converges (and is noisier); momentum and NAG
overshoot along the ravine's floor but not across it, as plain SGD does;
Adagrad's step length falls about as 1/√t while RMSprop's settles.
Measured: see "Result" at the end.
"""

import os

# JAX runs these small problems fastest (benchmarks/results/backends.json); a
# KERAS_BACKEND you set wins.
os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np

import kerasdnn
from kerasdnn.experiments import finish_recipe, format_table, positive_int, recipe_parser
from kerasdnn.plotting import plot_curves, pyplot_module

## Setup

parser = recipe_parser(__doc__, epochs=20, batch_size=32, output_dir="runs/optimizer_paths", smoke_epochs=2)
parser.add_sized_option("--steps", type=positive_int, default=40, smoke=5, help="steps of each optimizer on the ravine")
parser.add_sized_option("--long-steps", type=positive_int, default=3000, smoke=50, help="steps of the Adagrad run")
args = parser.parse_args()
os.makedirs(args.output_dir, exist_ok=True)
rates = [0.01, 0.03, 0.13]

## 1. GD vs SGD vs mini-batch on one linear regression

# The deck's linear model, trained on one regression task by each method.


def linear_model():  # the deck's Dense(1, input_dim=3): ŷ = w·x + b
    return kerasdnn.mlp((3,), units=(), classes=1, classifier_activation=None, name="hanbat_lr_linear")


# The zoo's record of the same net (tests/test_recipes.py keeps them equal).
NETWORKS = {"hanbat_lr_linear": linear_model}

(x, y), (x_test, y_test) = kerasdnn.synthetic_arrays("linear_regression", samples=1000, seed=args.seed)
batching = {"GD": len(x), "SGD": 1, f"mini-batch {args.batch_size}": args.batch_size}
descent_rows, curves, train_seconds = [], {}, 0.0
for rate in rates:
    for label, batch_size in batching.items():
        keras.utils.set_random_seed(args.seed)
        model = linear_model()
        result = kerasdnn.train(
            model,
            x,
            y,
            test_data=(x_test, y_test),
            epochs=args.epochs,
            batch_size=batch_size,
            optimizer="sgd",
            learning_rate=rate,
            loss="mse",
            metrics=(),
            seed=args.seed,
            verbose=0,
            save_model=False,
        )
        train_seconds += result["train_seconds"]
        curves[f"{label}, η={rate}"] = result["history"]["loss"]
        descent_rows.append(
            {
                "method": label,
                "learning_rate": rate,
                "updates": args.epochs * -(-len(x) // batch_size),
                "final_loss": result["history"]["loss"][-1],
                "test_mse": result["test"]["loss"] if result["test"] else None,
                "diverged": result["diverged"],
            }
        )
print(format_table(descent_rows, ["method", "learning_rate", "updates", "final_loss", "test_mse", "diverged"]))
plot_curves(
    curves,
    os.path.join(args.output_dir, "gd_vs_sgd.png"),
    ylabel="training mse",
    logy=True,
    title="GD vs SGD vs mini-batch at the deck's rates",
)

## 2. Seven optimizers on the ravine f(x, y) = x²/20 + y²
# A classic picture (CS231n; Saito, "Deep Learning from Scratch", ch. 6): the
# rates are each optimizer's usual order of magnitude for this surface.


def ravine(point):
    return point[0] ** 2 / 20 + point[1] ** 2


def ravine_gradient(point):
    return np.array([point[0] / 10, 2 * point[1]], dtype=np.float32)


def walk(optimizer, steps, start=(-7.0, 2.0)):
    """Runs `optimizer` on the ravine from `start`; returns the points visited."""
    position = keras.Variable(np.array(start, dtype=np.float32))
    points = [np.array(start)]
    for _ in range(steps):
        gradient = ravine_gradient(keras.ops.convert_to_numpy(position))
        optimizer.apply([keras.ops.convert_to_tensor(gradient)], [position])
        points.append(keras.ops.convert_to_numpy(position).astype(float))
    return np.array(points)


settings = {
    "sgd": {"learning_rate": 0.95},
    "momentum": {"learning_rate": 0.1},
    "nesterov": {"learning_rate": 0.1},
    "adagrad": {"learning_rate": 1.5},
    "rmsprop": {"learning_rate": 0.3},
    "adadelta": {"learning_rate": 1.0},
    "adam": {"learning_rate": 0.3},
}
paths, path_rows = {}, []
for name, options in settings.items():
    path = walk(kerasdnn.optimizers.get(name, **options), args.steps)
    paths[name] = path
    losses = [ravine(point) for point in path]
    below = next((step for step, loss in enumerate(losses) if loss < 1e-2), None)
    # Steps that cross the ravine's floor (y changes sign): SGD's oscillation.
    crossings = int(np.sum(np.sign(path[1:, 1]) != np.sign(path[:-1, 1])))
    path_rows.append(
        {
            "optimizer": name,
            **options,
            "final_loss": losses[-1],
            "steps_to_0.01": below,
            "y_crossings": crossings,
            "end": [round(float(v), 4) for v in path[-1]],
        }
    )
print(format_table(path_rows, ["optimizer", "learning_rate", "final_loss", "steps_to_0.01", "y_crossings", "end"]))
pyplot = pyplot_module()
figure, axes = pyplot.subplots(2, 4, figsize=(16, 7), sharex=True, sharey=True)
grid_x, grid_y = np.meshgrid(np.linspace(-8, 8, 200), np.linspace(-3, 3, 200))
for axis, (name, path) in zip(axes.ravel(), paths.items()):
    axis.contour(grid_x, grid_y, ravine((grid_x, grid_y)), levels=np.logspace(-2, 1.5, 12), cmap="Greys")
    axis.plot(path[:, 0], path[:, 1], "o-", markersize=3, color="tab:red")
    axis.plot(0, 0, "+", color="black", markersize=12)
    axis.set_title(f"{name} (lr {settings[name]['learning_rate']})")
axes.ravel()[-1].axis("off")
figure.suptitle(f"{args.steps} steps on f(x, y) = x²/20 + y² from (-7, 2)")
figure.tight_layout()
figure.savefig(os.path.join(args.output_dir, "paths.png"), dpi=100)
pyplot.close(figure)

## 3. Adagrad's steps shrink; RMSprop's do not

step_lengths, adagrad_rows = {}, []
marks = [step for step in (1, 10, 100, 1000) if step <= args.long_steps]
for name in ("adagrad", "rmsprop"):
    path = walk(kerasdnn.optimizers.get(name, learning_rate=0.1), args.long_steps)
    step_lengths[name] = np.linalg.norm(np.diff(path, axis=0), axis=1).tolist()
    adagrad_rows.append(
        {
            "optimizer": name,
            **{f"step_{step}": step_lengths[name][step - 1] for step in marks},
            "last_step": step_lengths[name][-1],
            "final_loss": ravine(path[-1]),
        }
    )
print(format_table(adagrad_rows, ["optimizer", *[f"step_{step}" for step in marks], "final_loss"]))
plot_curves(
    step_lengths,
    os.path.join(args.output_dir, "step_lengths.png"),
    ylabel="step length |Δθ|",
    xlabel="step",
    logy=True,
    title="Adagrad's steps shrink as its squared gradients pile up (lr 0.1)",
)

## Evaluate

by_name = {row["optimizer"]: row for row in path_rows}
gd_slow = {row["method"]: row["final_loss"] for row in descent_rows if row["learning_rate"] == 0.01}
summary = {
    "recipe": "optimizer_paths",
    "reproduces": "decks 001/003 how optimizers move: GD vs SGD, paths on a 2-D surface, Adagrad's stall",
    "metric": "ravine loss after the steps (sgd / momentum / nesterov / adagrad / rmsprop / adadelta / adam); "
    "η=0.01 mse GD / SGD; Adagrad step 1 → last",
    "reference": "momentum damps SGD's oscillation; GD crawls at η=0.01; Adagrad's steps shrink",
    "ours": " / ".join(f"{by_name[name]['final_loss']:.3g}" for name in settings)
    + f"; {gd_slow['GD']:.3g} / {gd_slow['SGD']:.3g}"
    + f"; {step_lengths['adagrad'][0]:.3g} → {step_lengths['adagrad'][-1]:.3g}",
    "epochs": f"{args.epochs} epochs; {args.steps} and {args.long_steps} steps",
    "train_seconds": train_seconds,
}
payload = {
    "summary": summary,
    "descent": descent_rows,
    "paths": path_rows,
    "step_lengths": {name: lengths[:: max(1, len(lengths) // 300)] for name, lengths in step_lengths.items()},
    "adagrad": adagrad_rows,
    "settings": vars(args),
}
finish_recipe(__file__, payload, args, figure="paths.png")

## Result
# Generated by recipes/reproduction_table.py from the results files; do not edit.
# recipes/results/optimizer_paths.json (seed 0, jax backend, 2-core CPU):
#   ravine loss after the steps (sgd / momentum / nesterov / adagrad / rmsprop
#   / adadelta / adam); η=0.01 mse GD / SGD; Adagrad step 1 → last: 0.00171 /
#   0.1 / 0.0292 / 0.000123 / 2.15e-06 / 6.17 / 0.0338; 13.7 / 0.000101; 0.135
#   → 0.000328; reference momentum damps SGD's oscillation; GD crawls at
#   η=0.01; Adagrad's steps shrink; 20 epochs; 40 and 3000 steps epochs, 127 s
#   of training.
