"""The tables and verdicts of benchmarks/README.md, one function per benchmark's JSON.

`report.py` puts them into the page's prose; each takes the report a
benchmark wrote (a dict read from benchmarks/results/) and returns Markdown.
"""


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
