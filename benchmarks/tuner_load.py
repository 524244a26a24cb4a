"""How far one chief carries a distributed search: trials per second against the number of workers.

Starts one `kerasdnn tune`-style chief (`kerasdnn.tuning.make_tuner`'s
random oracle behind keras-tuner's gRPC server) on 127.0.0.1 and then 4, 8
and 16 workers whose trials do no training at all: each asks the chief for a
trial, reports a made-up score, ends it and asks again, as fast as the chief
answers. Every worker first connects and waits at a barrier, so process
start-up is not timed; the clock runs from the barrier until the chief has
told the last worker there are no trials left. Reports per worker count the trials per
second the chief sustained, and the first worker count at which adding
workers stopped adding throughput (less than 10 % more): beyond it the chief
(or, on a small machine, the machine's cores) is the bottleneck.

    python benchmarks/tuner_load.py            # 4, 8, 16 workers, 25 trials per worker, a few minutes
    python benchmarks/tuner_load.py --smoke    # 2 workers, 5 trials each

Writes benchmarks/results/tuner_load.json (smoke runs: --output elsewhere).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--workers", type=int, nargs="+", default=[4, 8, 16])
parser.add_argument("--trials-per-worker", type=int, default=25)
parser.add_argument("--smoke", action="store_true", help="2 workers, 5 trials each")
parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "tuner_load.json"))
parser.add_argument("--role", choices=("chief", "worker"), help=argparse.SUPPRESS)  # internal
parser.add_argument("--directory", help=argparse.SUPPRESS)
parser.add_argument("--max-trials", type=int, help=argparse.SUPPRESS)
args = parser.parse_args()
if args.smoke:
    args.workers, args.trials_per_worker = [2], 5


## A chief or a worker (a child process; the KERASTUNER_* variables say which)


def search_process():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    from kerasdnn import tuning

    tuner = tuning.make_tuner("random", max_trials=args.max_trials, directory=args.directory, project_name="load")
    if args.role == "worker":
        # No training: the score is made up, so only the chief's answers cost time.
        tuner.run_trial = lambda trial, *unused, **also_unused: {"val_accuracy": 0.5}
        with open(os.path.join(args.directory, f"ready.{os.environ['KERASTUNER_TUNER_ID']}"), "w"):
            pass
        while not os.path.exists(os.path.join(args.directory, "go")):
            time.sleep(0.01)
    tuner.search()


if args.role:
    search_process()
    sys.exit(0)


## The parent: one chief and N workers per row


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure(workers):
    """Runs one search with `workers` workers; returns its row."""
    directory = tempfile.mkdtemp(prefix=f"tuner_load_{workers}_")
    trials = workers * args.trials_per_worker
    environment = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "KERASTUNER_ORACLE_IP": "127.0.0.1",
        "KERASTUNER_ORACLE_PORT": str(free_port()),
    }

    def start(role, tuner_id):
        return subprocess.Popen(
            [sys.executable, __file__, "--role", role, "--directory", directory, "--max-trials", str(trials)],
            env={**environment, "KERASTUNER_TUNER_ID": tuner_id},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    chief = start("chief", "chief")
    processes = [start("worker", f"tuner{index}") for index in range(workers)]
    while sum(name.startswith("ready.") for name in os.listdir(directory)) < workers:
        failed = [process for process in [chief, *processes] if process.poll() not in (None, 0)]
        if failed:
            sys.exit(f"a search process failed:\n{failed[0].stderr.read()[-3000:]}")
        time.sleep(0.1)
    started = time.perf_counter()
    open(os.path.join(directory, "go"), "w").close()
    # Timed until the last worker has been told there are no trials left,
    # not to the chief's own exit, up to a second later.
    statuses = [process.wait() for process in processes]
    seconds = time.perf_counter() - started
    statuses.append(chief.wait())
    if any(statuses):
        sys.exit(f"a search process exited with {statuses}:\n{chief.stderr.read()[-3000:]}")
    completed = 0
    for folder in os.listdir(os.path.join(directory, "load")):
        record = os.path.join(directory, "load", folder, "trial.json")
        if os.path.exists(record):
            with open(record) as handle:
                completed += json.load(handle)["status"] == "COMPLETED"
    return {
        "workers": workers,
        "trials": trials,
        "completed": completed,
        "seconds": seconds,
        "trials_per_second": completed / seconds,
    }


import kerasdnn  # noqa: E402  (the parent only writes JSON and a table)

rows = [measure(workers) for workers in args.workers]
saturated = next(
    (
        later["workers"]
        for earlier, later in zip(rows, rows[1:])
        if later["trials_per_second"] < 1.1 * earlier["trials_per_second"]
    ),
    None,
)
report = {
    "smoke": args.smoke,
    "trials_per_worker": args.trials_per_worker,
    "cpu_cores": os.cpu_count(),
    "rows": rows,
    "saturated_at_workers": saturated,
}
os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
kerasdnn.write_json(args.output, report)
print(kerasdnn.console.format_table(rows, ["workers", "trials", "completed", "seconds", "trials_per_second"]))
print(f"throughput stopped growing at {saturated} workers" if saturated else "throughput grew up to the last row")
