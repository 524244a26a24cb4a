"""keras-tuner's distributed mode: a chief's address, the search it serves, and a worker's wait for it.

keras-tuner's chief serves the oracle over gRPC at `KERASTUNER_ORACLE_IP`
and `KERASTUNER_ORACLE_PORT`; its workers ask it for trials. kerasdnn adds
what keras-tuner leaves silent: a chief refuses an address already served or
held (`check_chief_address`), says which search it serves
(`served_search`), and a worker waits a bounded time for its chief and
checks that the chief serves the worker's own search.
"""

import os
import socket
import sys
from typing import Any

from kerasdnn.choices import CHIEF_TIMEOUT


class ChiefNotFoundError(ConnectionError):
    """Raised when a worker's chief does not answer in time."""


class ChiefAddressError(ConnectionError):
    """Raised when a chief's address is taken, or a worker's chief serves another search."""


# The method a kerasdnn chief answers beside keras-tuner's oracle service:
# which search it serves (its project folder).
_SEARCH_METHOD = "/kerasdnn.Search/Project"


def served_search(ip: str, port: int, timeout: float = 10) -> str | None:
    """Asks the chief at `ip:port` which search it serves.

    Args:
        ip: The chief's address.
        port: The chief's port.
        timeout: Seconds to wait for the answer. Defaults to `10`.

    Returns:
        The project folder the chief serves, `""` for a chief that is not
        kerasdnn's (keras-tuner's own), or `None` if nothing answers gRPC there.
    """
    import grpc

    with grpc.insecure_channel(f"{ip}:{port}") as channel:
        try:
            return channel.unary_unary(_SEARCH_METHOD)(b"", timeout=timeout).decode()
        except grpc.RpcError as error:
            return "" if error.code() == grpc.StatusCode.UNIMPLEMENTED else None


def check_chief_address(ip: str, port: int) -> None:
    """Checks that nothing listens on `ip:port`, before a chief serves it.

    gRPC lets a second server bind a port that one serves already, so two
    chiefs on one port would merge their searches; this binds the address
    itself first, and asks whatever holds it which search it serves.

    Raises:
        ChiefAddressError: If a chief serves the address already (the message
            names its search) or another program holds it.
    """
    probe = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET)
    # Past connections in TIME_WAIT do not count; a listener does.
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((ip, port))
        return
    except OSError as error:
        reason = error.strerror
    finally:
        probe.close()
    serving = served_search(ip, port, timeout=5)
    if serving is None:
        raise ChiefAddressError(
            f"{ip}:{port} is held by another program ({reason}); start the chief with another --oracle-port"
        )
    raise ChiefAddressError(
        f"{ip}:{port} already serves {f'the search in {serving}' if serving else 'a keras-tuner search'}; stop that "
        f"chief, or start this one with another --oracle-port"
    )


def check_chief_serves(ip: str, port: int, project_dir: str) -> None:
    """Refuses a worker whose chief serves another search.

    Raises:
        ChiefAddressError: If the chief at `ip:port` serves another project
            folder. A chief that does not say (keras-tuner's own) is trusted.
    """
    serving = served_search(ip, port)
    if serving and os.path.normpath(serving) != os.path.normpath(project_dir):
        raise ChiefAddressError(
            f"the chief at {ip}:{port} serves the search in {serving}, not this worker's {project_dir}; give the "
            f"worker the same --directory and --project-name as its chief, or the --oracle-port of its own chief"
        )


def serve_oracle(oracle: Any, project_dir: str) -> None:
    """Serves `oracle` to the workers until the search has ended, as keras-tuner's chief does.

    keras-tuner's own server (`oracle_chief.start_server`), with one more
    method that tells a worker, or a second chief, which search this is,
    and returning within a second of its last worker's end.

    Args:
        oracle: The chief's oracle, which holds every trial.
        project_dir: The search's folder, which the extra method names.

    Raises:
        ValueError: If `KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT`
            do not name an address (`oracle_address`).
    """
    import time
    from concurrent import futures

    import grpc

    # keras-tuner's servicer and its rule for when the chief may exit: not
    # public, and used here alone.
    from keras_tuner.src import protos
    from keras_tuner.src.distribute import oracle_chief

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    servicer = oracle_chief.OracleServicer(oracle)
    protos.get_service_grpc().add_OracleServicer_to_server(servicer, server)
    service, method = _SEARCH_METHOD.strip("/").split("/")
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                service, {method: grpc.unary_unary_rpc_method_handler(lambda request, context: project_dir.encode())}
            )
        ]
    )
    ip, port = oracle_address()
    server.add_insecure_port(f"{ip}:{port}")
    server.start()
    try:
        # keras-tuner's chief asks every 20 s whether its workers are done,
        # so a search ended up to 20 s after its last trial (17 s of a
        # 37 s two-worker smoke search); asking every second costs nothing.
        while not (servicer.stop_triggered and oracle_chief.exit_chief(oracle)):
            time.sleep(1)
    finally:
        server.stop(grace=1)


def distributed_role() -> str | None:
    """This process's part in keras-tuner's distributed search.

    Returns:
        `"chief"` or `"worker"` when `KERASTUNER_ORACLE_IP` and
        `KERASTUNER_ORACLE_PORT` are set, else `None`. The chief is the
        process whose `KERASTUNER_TUNER_ID` contains `chief`, keras-tuner's
        own rule, so the two never disagree on which process serves.
    """
    if not {"KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT"} <= set(os.environ):
        return None
    return "chief" if "chief" in os.environ.get("KERASTUNER_TUNER_ID", "") else "worker"


def oracle_address() -> tuple[str, int]:
    """The chief's address, from `KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT`, checked.

    keras-tuner reads the two variables itself and fails deep in gRPC (or
    waits) on a port that is not one; this says which variable is wrong.

    Returns:
        `(ip, port)`.

    Raises:
        ValueError: If either variable is unset or empty, or the port is not
            an integer in [1, 65535].
    """
    ip, port = os.environ.get("KERASTUNER_ORACLE_IP", ""), os.environ.get("KERASTUNER_ORACLE_PORT", "")
    if not ip:
        raise ValueError(f"KERASTUNER_ORACLE_IP must name the chief's address; received {ip!r}")
    if not (port.isdigit() and 1 <= int(port) <= 65535):
        raise ValueError(f"KERASTUNER_ORACLE_PORT must be an integer in [1, 65535]; received {port!r}")
    return ip, int(port)


def wait_for_chief(timeout: float = CHIEF_TIMEOUT) -> None:
    """Waits until the chief at `KERASTUNER_ORACLE_IP:KERASTUNER_ORACLE_PORT` accepts connections.

    Says on stderr that it waits when the chief is not up at once. (Without
    this, keras-tuner's worker would wait silently for an hour.)

    Args:
        timeout: Seconds to wait at most. Defaults to `CHIEF_TIMEOUT`.

    Raises:
        ChiefNotFoundError: If the chief does not answer within `timeout`.
        ValueError: If the two variables do not name an address (`oracle_address`).
    """
    import grpc

    ip, port = oracle_address()
    address = f"{ip}:{port}"
    channel = grpc.insecure_channel(address)
    ready = grpc.channel_ready_future(channel)
    try:
        try:
            ready.result(timeout=min(1, timeout))
        except grpc.FutureTimeoutError:
            print(
                f"kerasdnn: waiting up to {timeout:g} s for the search's chief at {address}",
                file=sys.stderr,
                flush=True,
            )
            ready.result(timeout=max(0, timeout - 1))
    except grpc.FutureTimeoutError:
        raise ChiefNotFoundError(
            f"no chief answered at {address} within {timeout:g} s: start it first "
            f"(kerasdnn tune --chief, or KERASTUNER_TUNER_ID=chief) with the same "
            f"KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT"
        ) from None
    finally:
        ready.cancel()
        channel.close()
