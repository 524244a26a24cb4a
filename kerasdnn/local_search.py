"""`kerasdnn tune --workers N`: a chief and N workers of one search on this machine, started as one command.

Each is the `kerasdnn tune` command itself in keras-tuner's distributed mode
(`--chief`, `--worker I`), on one free port of 127.0.0.1 unless
`--oracle-port` names one.
"""

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence

from kerasdnn.zoo import registry


def tune_locally(args: argparse.Namespace) -> int:
    """Runs a chief and `--workers` workers of this search on this machine, as one command.

    Each worker is pinned to a device of `--devices` in turn
    (`CUDA_VISIBLE_DEVICES`); workers that share one accelerator each get
    an equal share of its memory (JAX's `XLA_PYTHON_CLIENT_MEM_FRACTION`).
    Their output is streamed as one, each line behind the process's name.
    Ctrl-C stops them all.
    """
    import socket
    import threading

    port = args.oracle_port
    if port is None:
        with socket.socket() as probe:
            probe.bind((args.oracle_ip, 0))
            port = probe.getsockname()[1]
    # The search's networks are MLPs, which train fastest on JAX (zoo.BACKENDS).
    os.environ.setdefault("KERAS_BACKEND", registry.model_info("mnist_bn").backend)
    command = sys.argv[:1] if os.path.basename(sys.argv[0]) == "kerasdnn" else [sys.executable, "-m", "kerasdnn.cli"]
    base = [*command, *without_local_options(args.argv), "--oracle-ip", args.oracle_ip, "--oracle-port", str(port)]
    devices = [d for d in (args.devices or "").split(",") if d]
    roles = [("chief", ["--chief"], {"CUDA_VISIBLE_DEVICES": ""})]
    for index in range(args.workers):
        environment = {}
        if devices:
            environment["CUDA_VISIBLE_DEVICES"] = devices[index % len(devices)]
        sharing = args.workers / max(1, len(devices))
        if sharing > 1:
            environment.setdefault("XLA_PYTHON_CLIENT_MEM_FRACTION", f"{0.9 / sharing:.2f}")
        roles.append((f"worker {index}", ["--worker", str(index)], environment))
    processes = []

    def stream(name, process):
        for line in process.stdout:
            print(f"[{name}] {line}", end="", flush=True)

    try:
        for name, role, environment in roles:
            process = subprocess.Popen(
                [*base, *role],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env={**os.environ, **environment},
                start_new_session=True,
            )
            processes.append(process)
            threading.Thread(target=stream, args=(name, process), daemon=True).start()
        statuses = _wait_for_the_search(processes)
    except KeyboardInterrupt:
        stop_all(processes)
        raise
    failed = [(name, status) for (name, _, _), status in zip(roles, statuses) if status != 0]
    if failed:
        print(
            f"kerasdnn tune: {', '.join(f'{name} exited with status {status}' for name, status in failed)}",
            file=sys.stderr,
        )
        return 1
    return 0


# After its last worker a chief ends within seconds (`chief.serve_oracle`
# asks every second); one still serving this long after waits for a trial
# that a worker stopped mid-way left running, and would wait for ever.
CHIEF_GRACE_SECONDS = 60.0


def _wait_for_the_search(processes):
    """Waits for the chief (first) and its workers; ends any that would wait for ever. Returns their statuses.

    keras-tuner's workers wait for a chief that has gone, and its chief for
    a worker that has gone mid-trial: a chief that fails stops the workers,
    and a chief left serving after every worker has ended is stopped.
    """
    import time

    chief, workers = processes[0], processes[1:]
    while True:
        if chief.poll() not in (None, 0):
            stopped = [worker for worker in workers if worker.poll() is None]
            if stopped:
                print("kerasdnn tune: the chief has failed: stopping the workers", file=sys.stderr)
                stop_all(stopped)
            break
        if all(worker.poll() is not None for worker in workers):
            try:
                chief.wait(timeout=CHIEF_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                print(
                    f"kerasdnn tune: every worker has ended and the chief still waits for a trial after "
                    f"{CHIEF_GRACE_SECONDS:.0f} s (a worker stopped mid-trial): stopping it; run the same "
                    f"command again to resume the search",
                    file=sys.stderr,
                )
                stop_all([chief])
            break
        time.sleep(0.5)
    return [process.wait() for process in processes]


def without_local_options(argv: Sequence[str]) -> list[str]:
    """The command's arguments without those of the local launcher (`--workers`, `--devices`, the address)."""
    kept, skip = [], False
    for argument in argv:
        if skip:
            skip = False
            continue
        name = argument.split("=", 1)[0]
        if name in ("--workers", "--devices", "--oracle-ip", "--oracle-port"):
            skip = "=" not in argument
            continue
        kept.append(argument)
    return kept


def stop_all(processes: Sequence[subprocess.Popen]) -> None:
    """Ends the processes this command started: SIGTERM to each group, SIGKILL to one still there after 30 s."""
    import signal

    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except Exception:  # still running after 30 s: no more waiting
            os.killpg(process.pid, signal.SIGKILL)
