"""Writes benchmarks/README.md from the measurements under benchmarks/results/.

    python benchmarks/report.py           # rewrite README.md
    python benchmarks/report.py --check   # exit 1 if README.md is stale

Every figure in the README comes from a JSON file a benchmark wrote; edit the
text here, not in README.md.
"""

import argparse
import json
import pathlib
import sys

here = pathlib.Path(__file__).resolve().parent


def load(name):
    """The JSON a benchmark wrote, or None when it has not been run."""
    path = here / "results" / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def table(header, rows):
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(met):
    return "met" if met else "**not met**"


def tuner_section(reports):
    rows = [
        [
            f"{r['trials']} × {r['epochs_per_trial']} epochs on {r['train_samples']:,}",
            f"{r['search_seconds']:.1f}",
            f"{r['by_hand_seconds']:.1f}",
            f"{r['overhead']:+.1%}",
            f"{r['overhead_seconds_per_trial']:+.2f}",
        ]
        for r in reports
    ]
    return table(["trials", "search (s)", "same trials by hand (s)", "overhead", "s / trial"], rows)


def tuner_load_section(report):
    rows = [
        [r["workers"], r["completed"], f"{r['seconds']:.1f}", f"{r['trials_per_second']:.2f}"] for r in report["rows"]
    ]
    saturated = report["saturated_at_workers"]
    verdict_line = (
        f"Throughput stopped growing (less than 10 % more) at **{saturated} workers**."
        if saturated
        else "Throughput still grew at the last row."
    )
    return "\n".join(
        [
            f"One chief on 127.0.0.1, workers whose trials do no training ({report['trials_per_worker']} trials each), "
            f"on a {report['cpu_cores']}-core machine that also runs every worker:",
            "",
            table(["workers", "trials completed", "seconds", "trials / s"], rows),
            "",
            verdict_line,
        ]
    )


def scaling_section(report):
    batch_rows = [
        [
            r["batch_size"],
            f"{r['seconds_per_epoch']:.2f}",
            f"{r['samples_per_second']:,.0f}",
            f"{r['test_accuracy']:.4f}",
        ]
        for r in report["by_batch_size"]
    ]
    sample_rows = [
        [f"{r['samples']:,}", f"{r['seconds_per_epoch']:.2f}", f"{r['samples_per_second']:,.0f}"]
        for r in report["by_samples"]
    ]
    fit = report["linear_fit"]
    return "\n".join(
        [
            f"Fastest epoch after the first of {report['epochs']}. Batch size, over "
            f"{report['by_batch_size'][0]['samples']:,} images (learning rate 1e-3 throughout):",
            "",
            table(["batch", "s / epoch", "samples / s", "test accuracy"], batch_rows),
            "",
            "Data size, at batch 128 (the faster of two rounds):",
            "",
            table(["samples", "s / epoch", "samples / s"], sample_rows),
            "",
            f"Least squares: {fit['fixed_seconds_per_epoch']:+.3f} s per epoch plus "
            f"{fit['seconds_per_1000_samples']:.3f} s per 1,000 samples; the worst point is "
            f"{fit['worst_relative_residual']:.0%} off that line.",
        ]
    )


def profile_section(report):
    rows = [[row["category"], f"{row['seconds']:.2f}", f"{row['share']:.0%}"] for row in report["by_category"]]
    return "\n".join(
        [
            f"One profiled epoch of the same net with `kerasdnn.train`'s defaults ({report['epoch_seconds']:.2f} s "
            f"under the profiler, {report['op_seconds']:.2f} s of op time: ops overlap on the two cores):",
            "",
            table(["ops", "op time (s)", "share"], rows),
        ]
    )


def cpu_phrase(cpu):
    """Which CPU a run was on, as its results file records it."""
    if not cpu:
        return "on a CPU the file does not record"
    vnni = {True: "with AVX-512 VNNI (TensorFlow turns oneDNN on)", False: "without AVX-512 VNNI (oneDNN off)"}
    return f"on {cpu['cores']} cores of an {cpu['model']} {vnni.get(cpu['avx512_vnni'], '')}".rstrip()


def backends_section(report):
    names = {
        "mnist_bn": "MLP `mnist_bn`",
        "hanbat_bn_cnn": "CNN `hanbat_bn_cnn`",
        "hanbat_bn_lstm": "LSTM `hanbat_bn_lstm`",
    }
    columns = [
        ("kerasdnn_jax", "JAX"),
        ("kerasdnn_tensorflow", "TensorFlow"),
        ("kerasdnn_torch", "PyTorch (Keras)"),
        ("pytorch_eager", "PyTorch eager"),
    ]
    rows = []
    for net, label in names.items():
        entry = report["nets"][net]
        seconds = entry["seconds_per_epoch"]
        cells = [f"{seconds[key]:.2f}" if key in seconds else "–" for key, _ in columns]
        ratios = entry["ratios"]
        versus_torch = ratios["kerasdnn_over_pytorch_eager"]
        rows.append(
            [
                f"{label} ({entry['samples']:,} samples)",
                *cells,
                entry["default_backend"],
                entry["fastest_backend"],
                f"{ratios['kerasdnn_over_keras_fit']:.2f} ({verdict(ratios['kerasdnn_over_keras_fit'] <= 1.10)})",
                "–" if versus_torch is None else f"{versus_torch:.2f} ({verdict(versus_torch < 1)})",
            ]
        )
    mlp = report["nets"]["mnist_bn"]
    accuracy = mlp["test_accuracy"]
    accuracies = ", ".join(f"{name.removeprefix('kerasdnn_')} {value:.4f}" for name, value in accuracy.items())
    gap = 100 * (accuracy[f"kerasdnn_{mlp['default_backend']}"] - accuracy["pytorch_eager"])
    rates = ", ".join(f"{name} {rate:.0f}" for name, rate in report["matmul_gflops"].items())
    header = [
        "net",
        *[label for _, label in columns],
        "default",
        "fastest",
        "kerasdnn / plain `fit` (default backend; target ≤ 1.10)",
        "kerasdnn / PyTorch eager (target < 1)",
    ]
    return "\n".join(
        [
            f"`kerasdnn.train`, seconds per epoch (fastest of epochs 2–{report['epochs']}, batch {report['batch_size']}, "
            f"Adam 1e-3), one process per backend in one run, {cpu_phrase(report.get('cpu'))}:",
            "",
            table(header, rows),
            "",
            f"- MLP roofline: {mlp['roofline_seconds']:.2f} s per epoch at the best 2048² matmul rate measured "
            f"({rates} GFLOP/s); roofline / kerasdnn on the default backend: "
            f"**{mlp['ratios']['roofline_over_kerasdnn']:.0%}** (target ≥ 70 %: {verdict(mlp['ratios']['roofline_over_kerasdnn'] >= 0.7)}).",
            f"- MLP kerasdnn / PyTorch eager: target ≤ 0.5: {verdict((mlp['ratios']['kerasdnn_over_pytorch_eager'] or 9) <= 0.5)}.",
            f"- MLP test accuracy after {report['epochs']} epochs: {accuracies}; kerasdnn on {mlp['default_backend']} "
            f"vs PyTorch eager: {gap:+.2f} points (target within 0.3: {verdict(abs(gap) <= 0.3)}).",
        ]
    )


def other_cpu_section(report):
    """The backends run on the other kind of CPU (`results/backends_vnni.json`), after the first; nothing before it is run."""
    if report is None:
        return ""
    intro = "The same run on the other kind of CPU these machines have (`results/backends_vnni.json`):"
    return f"\n\n{intro}\n\n{backends_section(report)}"


def accelerator_section(report):
    headline = report["headline"]
    rows = [
        [
            name.replace("_", " "),
            row["device"],
            f"{row['test_accuracy']:.4f}",
            f"{row['train_seconds']:.1f}",
            f"{row['steady_epoch_seconds']:.2f}",
        ]
        for name, row in headline.items()
    ]
    deck = report["cifar10_deck002"]
    cifar = [
        [where, row["device"], f"{row['first_epoch_seconds']:.1f}", f"{row['second_epoch_seconds']:.1f}"]
        for where, row in deck["rows"].items()
        if row
    ]
    cifar.append(
        ["deck 002", "its CPU / its GPU", f"{deck['deck']['cpu_seconds']:.0f} / {deck['deck']['gpu_seconds']:.0f}", ""]
    )
    search = [
        [row["workers"], row["trials"], f"{row['seconds']:.1f}", f"{row['trials_per_minute']:.1f}"]
        for row in report["search"]["rows"]
    ]
    return "\n".join(
        [
            f"Measured on **{report['device']}** (`python benchmarks/accelerator.py`, {report['wall_seconds']:.0f} s in all).",
            "",
            "The headline `mnist_bn`, its record's settings, seed 0:",
            "",
            table(["contender", "device", "test accuracy", "training (s)", "steady epoch (s)"], rows),
            "",
            f"Deck 002's CIFAR-10 net, {deck['samples']:,} generated images, batch {deck['batch_size']}, on JAX:",
            "",
            table(["row", "device", "first epoch (s)", "second epoch (s)"], cifar),
            "",
            f"`kerasdnn tune`, {report['search']['max_trials']} trials × {report['search']['epochs']} epochs, workers "
            "sharing device 0:",
            "",
            table(["workers", "trials", "seconds", "trials / minute"], search),
        ]
    )


def import_time_section(report):
    rows = [
        [
            f"`{row['row']}`",
            f"{row['median_seconds']:.2f}",
            f"{row['fastest_seconds']:.2f}",
            f"≤ {row['target_seconds']:.0f} s: {verdict(row['met'])}" if "met" in row else "",
        ]
        for row in report["rows"]
    ]
    return "\n".join(
        [
            f"A new process per run, on JAX, {report['repeats']} runs after a warm-up, on a {report['cpu_cores']}-core "
            "machine:",
            "",
            table(["what", "median (s)", "fastest (s)", "target"], rows),
        ]
    )


def time_to_accuracy_section(report):
    names = {
        "recipe": "`python recipes/mnist_bn.py --seeds 0`",
        "recipe_cached": "the same, compiled steps cached",
        "keras_fit": "plain Keras `fit` on JAX",
        "keras_fit_spe32": "plain `fit`, `steps_per_execution=32`",
        "pytorch_eager": "PyTorch eager, same net and recipe",
        "torch_compile": "the same, `torch.compile`d",
    }
    rows = [
        [
            names[name],
            f"{row['test_accuracy']:.4f}",
            f"{row['train_seconds']:.1f}",
            f"{row['wall_seconds']:.1f}",
            f"{row['first_epoch_seconds']:.2f}",
            f"{row['steady_epoch_seconds']:.2f}",
            row["epochs_to_target"] or "–",
        ]
        for name, row in report["rows"].items()
    ]
    labels = {
        "recipe_train_over_pytorch_eager": "recipe training / PyTorch eager's",
        "recipe_wall_over_pytorch_eager": "recipe wall / PyTorch eager's",
        "recipe_steady_epoch_over_floor": "recipe steady epoch / the matmul floor",
        "recipe_train_over_keras_fit_spe32": "recipe training / plain fit with 32 steps per call",
        "accuracy_points_over_pytorch_eager": "test accuracy − PyTorch eager's (points)",
    }
    targets = [
        [
            labels[name],
            f"{report['ratios'][name]:.2f}",
            f"{'≥' if name.startswith('accuracy') else '≤'} {target:g}",
            verdict(report["met"][name]),
        ]
        for name, target in report["targets"].items()
    ]
    return "\n".join(
        [
            f"The headline record's settings ({report['settings']['epochs']} epochs, batch {report['settings']['batch_size']}, "
            f"AdamW {report['settings']['learning_rate']:g} with decay {report['settings']['weight_decay']:g}, cosine), "
            f"seed 0, each in its own process, {report['wall_seconds']:.0f} s in all:",
            "",
            table(
                [
                    "contender",
                    "test accuracy",
                    "training (s)",
                    "wall (s)",
                    "first epoch (s)",
                    "steady epoch (s)",
                    f"epochs to {report['target_validation_accuracy']:.1%} validation",
                ],
                rows,
            ),
            "",
            f"The floor, the epoch's matmuls alone as one compiled JAX loop: {report['floor_seconds_per_epoch']:.2f} s.",
            "",
            table(["ratio", "measured", "target", ""], targets),
            "",
            f"A second run (the cached row): training "
            f"{report['ratios']['recipe_cached_train_over_pytorch_eager']:.2f}× PyTorch eager's, wall "
            f"{report['ratios']['recipe_cached_wall_over_pytorch_eager']:.2f}×.",
        ]
    )


def _ablation_reading(report, labels):
    """What the ablation says of the 1.5× target, from its numbers."""
    over, names = report["over_floor"], list(report["over_floor"])[:-1]  # kerasdnn.train is no added part
    beyond = next((name for name in names if over[name] > 1.5), None)
    if beyond is None:
        return "Every part together stays within 1.5× of the floor."
    before = names[names.index(beyond) - 1]
    return (
        f'The 1.5× target leaves room for the row "{labels[before]}" ({over[before]:.2f}×) but not for '
        f'"{labels[beyond]}" ({over[beyond]:.2f}×), the rows after it still to come; `kerasdnn.train` runs the '
        f"headline at {over['kerasdnn_train']:.2f}× the floor and plain `fit` at {over['adamw_cosine']:.2f}×."
    )


def epoch_ablation_section(report):
    labels = {
        "floor": "the matmuls alone (the floor)",
        "dense_sgd": "Dense with biases, ReLU, softmax, SGD",
        "batch_norm": "+ batch norm (no Dense bias)",
        "dropout": "+ dropout 0.2: the headline's net",
        "adamw_cosine": "+ AdamW, cosine: the headline, plain `fit`",
        "kerasdnn_train": "the same through `kerasdnn.train`",
    }
    seconds, names = report["steady_epoch_seconds"], list(report["steady_epoch_seconds"])
    rows = [
        [
            labels[name],
            f"{seconds[name]:.3f}",
            "–" if index == 0 or name == "kerasdnn_train" else f"{seconds[name] - seconds[names[index - 1]]:+.3f}",
            f"{report['over_floor'][name]:.2f}",
        ]
        for index, name in enumerate(names)
    ]
    return "\n".join(
        [
            f"The headline's steady epoch built up one part at a time ({report['samples']:,} images, batch "
            f"{report['batch_size']}, plain Keras `fit` on JAX with 32 steps per call, the fastest of epochs 2 to "
            f"{report['epochs']}), {cpu_phrase(report['cpu'])}, {report['wall_seconds']:.0f} s in all:",
            "",
            table(["what the epoch does", "steady epoch (s)", "added (s)", "× the floor"], rows),
            "",
            _ablation_reading(report, labels),
        ]
    )


def missing(command):
    return f"Not measured yet: run `{command}`."


scaling, profile, tuner_load = load("scaling"), load("profile_epoch"), load("tuner_load")
backends, accelerator, import_time = load("backends"), load("accelerator"), load("import_time")
time_to_accuracy, backends_vnni = load("time_to_accuracy"), load("backends_vnni")
epoch_ablation = load("epoch_ablation")
tuner = [report for report in (load("tuner_overhead"), load("tuner_overhead_short_trials")) if report]

readme = f"""# benchmarks/

<!-- Generated by benchmarks/report.py from benchmarks/results/*.json; edit that script, not this file. -->

Speed measurements on the machine at hand; not part of the test suite. Each
script runs its contenders in one process and writes a JSON file under
`results/`; `python benchmarks/report.py` rebuilds this page from them. The
figures below were measured on the project's 2-core CPU machines, which are
noisy: compare numbers only within one file.

```bash
pip install -e ".[bench]"                        # PyTorch 2.13 (CPU) for the comparison
python benchmarks/backends.py                    # every family on JAX, TensorFlow, PyTorch, and PyTorch eager
python benchmarks/tuner_overhead.py              # keras-tuner's bookkeeping vs the same trials by hand
python benchmarks/tuner_load.py                  # trials per second one chief serves to 4, 8, 16 workers
python benchmarks/profile_epoch.py               # where one epoch's time goes, by tf.profiler
python benchmarks/scaling.py                     # epoch time vs batch size and vs data size
python benchmarks/time_to_accuracy.py            # the headline recipe against plain fit and PyTorch eager
python benchmarks/epoch_ablation.py              # the headline's steady epoch, one part at a time
python benchmarks/import_time.py                 # seconds to import kerasdnn, and to kerasdnn --help
python benchmarks/accelerator.py --data-dir DIR  # on a GPU machine: DIR holds mnist.npz
python benchmarks/report.py                      # this page
```

## Which backend for which network

{backends_section(backends) if backends else missing("python benchmarks/backends.py")}{other_cpu_section(backends_vnni)}

Each zoo record names its default backend (`kerasdnn zoo list`); the
"fastest" column is what this run measured. Times are the fastest epoch
after the first: on these shared machines the same epoch varied by a third
between identical runs, and other load only ever adds time. Without VNNI the
CNN is slower than PyTorch eager on every Keras backend: at 40 small steps
an epoch, Keras's per-step cost weighs most; in the VNNI run (an AMD EPYC,
7 December) TensorFlow with oneDNN was level with it (0.99×). The fastest
Keras backend for it differs between the two (the PyTorch backend, an
optional install, without VNNI; TensorFlow with oneDNN on the VNNI CPU);
TensorFlow stays its default, the one of the two kerasdnn installs.

## Time to accuracy: the headline recipe

{time_to_accuracy_section(time_to_accuracy) if time_to_accuracy else missing("python benchmarks/time_to_accuracy.py")}

What the recipe does for its time, and what it leaves: JAX's compiled
steps are cached under `~/.cache/kerasdnn/jax` (the "cached" row: a second
run skips XLA's compilation, not the tracing of the step; `--no-compile-cache`
turns it off; until 7 December JAX's default threshold of one second of
compilation kept every step of this net out of the cache, so the "cached"
row compiled it all again); MNIST is read from the decoded copy that
`load_arrays` keeps in `~/.cache/kerasdnn/datasets` after its first read
through tensorflow-datasets, for every contender alike, and on JAX nothing
imports TensorFlow (Keras's seeding and serialization did, on every
backend: `kerasdnn.keras_internals`); validation and
test arrays are evaluated in whole batches (`kerasdnn.batching.evaluation_batch_size`:
1,000 samples for MNIST's 5,000 and 10,000, the same numbers as batches of
128), so each evaluated model compiles one step, not two. The headline
trains on whole batches only (`drop_remainder=True` in its record: each
epoch leaves out the 88 of 55,000 images that come last in its order, other
ones each epoch, as `tf.data`'s `drop_remainder` and PyTorch's `drop_last`
do, and the PyTorch row does the same), so its step compiles for one batch
shape, not two; the plain `fit` rows keep every batch (`fit` on arrays has
no such option). On JAX the 33 batches of one call (`steps_per_execution`,
chosen to divide the epoch's 429: `kerasdnn.scanned_steps.execution_steps`)
run as one `jax.lax.scan` of Keras's own `train_step` in one compiled call,
instead of Keras's Python loop of 33 calls that each dispatch the whole
training state; the weights and history are bit for bit those of the loop
(`tests/test_scanned_steps.py`). Not for a model with convolutions on the
CPU: XLA's CPU backend runs a convolution inside the scan's loop far
slower than alone (in the first backends run with the scan, the BN-CNN's
JAX epoch took 92.8 s against plain `fit`'s 7.7 s), so such a model keeps
Keras's loop there. Left as it is: dropout's random numbers,
which Keras draws with JAX's default generator (threefry): JAX's faster
`rbg` generator takes keys of another shape than Keras's seeds, so Keras's
`Dropout` cannot use it.

## Where the headline's steady epoch goes on JAX

{epoch_ablation_section(epoch_ablation) if epoch_ablation else missing("python benchmarks/epoch_ablation.py")}

## Where an epoch's time goes on TensorFlow

Measured on the TensorFlow backend before the move to JAX, with a fused Adam
update that has since been removed; a record of what was tried there.

{profile_section(profile) if profile else missing("python benchmarks/profile_epoch.py")}

What the defaults did then: `kerasdnn.train` fed a shuffled, prefetched
`tf.data` pipeline (today: NumPy batches, `kerasdnn.data.EpochShuffledArrays`),
runs 32 batches per compiled call (`steps_per_execution`), keeps TensorFlow's
XLA off on CPU (it made this net several times slower there), and updated
each variable with TensorFlow's fused `ResourceApplyAdam` kernel (removed:
`"adam"` is Keras's own Adam, so saved models open in plain Keras).
The profile shows where the rest goes: the matrix multiplies take half the
op time, more than the roofline's, because TensorFlow runs independent ops of
a step side by side and they share the two cores; the optimizer, the input
pipeline, dropout's random numbers and batch normalization share the other
half. What we tried that did not make an epoch faster here: more or fewer
inter-/intra-op threads, more than 32 steps per call, an input pipeline that
gathers shuffled indices, TensorFlow's BFC allocator on CPU, larger malloc
thresholds, and XLA (several times slower on this CPU).

## keras-tuner overhead

{tuner_section(tuner) if tuner else missing("python benchmarks/tuner_overhead.py")}

The first row has the trials of `recipes/tune_mnist.py`; the second has very
short trials, where the fixed cost per trial weighs most and the machine's
noise is as large as the overhead itself. `kerasdnn.tuning.search` freezes
the garbage collector's view of everything that exists before the search:
keras-tuner and Keras's `clear_session` each run a full `gc.collect()`
before every trial, which otherwise walks all of TensorFlow's objects.

## How far one chief carries a distributed search

{tuner_load_section(tuner_load) if tuner_load else missing("python benchmarks/tuner_load.py")}

Each trial costs the chief a few gRPC calls and, for each, a write of the
trial's and the oracle's JSON files; keras-tuner's server answers them one at
a time. Real trials take seconds to hours: a chief that sustains R trials
per second keeps about R × T workers busy when each trial takes T seconds.

## Scale

{scaling_section(scaling) if scaling else missing("python benchmarks/scaling.py")}

Epoch time grows linearly with the data: the fixed cost of an epoch (a new
pass over the shuffled `tf.data` pipeline, callbacks, the end-of-epoch logs)
is lost beside the steps. Single runs on these shared machines can stray far
from the line when other load arrives, which is why the script keeps the
fastest epoch and the faster of two rounds. Larger batches are faster per epoch on a
CPU because each step's fixed cost is paid fewer times, but they take fewer
optimizer steps per epoch: at a fixed learning rate and epoch count, accuracy
drops as the batch grows. When you raise the batch size, raise the learning
rate with it (Goyal et al. 2017, "Accurate, Large Minibatch SGD") or train
more epochs.

## How long an import takes

{import_time_section(import_time) if import_time else missing("python benchmarks/import_time.py")}

`import kerasdnn` loads none of its modules: each public name loads its
own on first use (PEP 562), and kerasdnn's Keras objects are registered as
soon as Keras is imported, by anyone, so a `.keras` file holding them loads.
The first model then waits for Keras's own import and, where it is
installed, TensorFlow's: Keras imports TensorFlow on every backend where it
finds it (its tree utilities, seeding, saving and data adapters use it), and
kerasdnn starts it quietly. The command loads neither for `--help` or `zoo
list`.

## On a GPU, a TPU, or several machines

{accelerator_section(accelerator) if accelerator else missing("python benchmarks/accelerator.py --data-dir DIR")}

`benchmarks/accelerator.py` is one command for a GPU machine, sized for
about 6 minutes of it (not yet run on one): carry the data as `.npz` (`kerasdnn data export mnist DIR/mnist.npz`
where tensorflow-datasets is), install kerasdnn (no TensorFlow needed), run
it with `--data-dir DIR`, and commit `results/accelerator.json`. It times
the headline on Keras-JAX and Keras-PyTorch beside the same recipe in
PyTorch eager (`headline.py`), deck 002's CIFAR-10 epoch on the GPU and on
the machine's CPU, and a search with two workers sharing the GPU against
one.

The same recipes run unchanged on an accelerator: the default JAX backend
uses whatever device its installed build finds (`pip install -e ".[cuda]"`
or `".[tpu]"`), and `steps_per_execution=32` matters even more there, where
each call from Python costs a device round trip. To use several devices or
machines, set the distribution that `kerasdnn.default_strategy()` picks:

```python
import jax, keras, kerasdnn

distribution = kerasdnn.default_strategy()   # DataParallel over every local device; None on one
if distribution is not None:
    keras.distribution.set_distribution(distribution)
(x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays("mnist")
model = kerasdnn.mlp((28, 28, 1), units=(512, 256, 128), dropout=0.2)
kerasdnn.train(model, x_train, y_train, test_data=(x_test, y_test), batch_size=128 * jax.device_count())
```

`batch_size` is the global batch, split across the devices, so scale it
(and the learning rate) with their count. Across machines, start the same
program on each with `KERAS_DISTRIBUTION_JOB_ADDRESSES` (every process's
`host:port`, the first the coordinator), `KERAS_DISTRIBUTION_NUM_PROCESSES`
and its own `KERAS_DISTRIBUTION_PROCESS_ID`; `default_strategy()` joins them
(`keras.distribution.initialize`) before it lists the devices, and
`kerasdnn.train` feeds each process its share of every batch:

```bash
# on host A                                      # on host B: the same, with PROCESS_ID=1
KERAS_DISTRIBUTION_JOB_ADDRESSES=hostA:1234,hostB:1234 KERAS_DISTRIBUTION_NUM_PROCESSES=2 \\
KERAS_DISTRIBUTION_PROCESS_ID=0 python train.py
```

Gradients are all-reduced every step, so every process holds the same
weights (`tests/test_distribute.py` checks it with two processes on
127.0.0.1 over JAX's CPU collectives); give only process 0 an `output_dir`.

On the TensorFlow backend (the CNNs' default on a CPU), `default_strategy()`
returns a `tf.distribute` strategy instead, to build the model under
(`with strategy.scope():`): `MultiWorkerMirroredStrategy` when `TF_CONFIG`
names more than one task, `TPUStrategy` when a TPU is reachable,
`MirroredStrategy` for several GPUs, the default strategy otherwise.
Keras 3.15's `fit` does not run under `MultiWorkerMirroredStrategy` out of
the box (keras-team/keras#20585); `kerasdnn.train` works around it with one
batch per compiled call there (`steps_per_execution=1`). On PyTorch it
returns `None`: Keras distributes PyTorch models only through PyTorch's own
tools.
"""

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--check", action="store_true", help="only check that README.md is up to date")
args = parser.parse_args()
path = here / "README.md"
if args.check:
    if not path.exists() or path.read_text() != readme:
        sys.exit("benchmarks/README.md is stale: run python benchmarks/report.py")
else:
    path.write_text(readme)
    print(f"wrote {path}")
