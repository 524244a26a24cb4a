"""A search's chief on 127.0.0.1, served from this process: the search it names, the addresses it refuses, a worker's wait."""

import os
import socket
import threading
import time
from concurrent import futures

import pytest

from kerasdnn import chief

from conftest import free_port

pytestmark = [pytest.mark.xdist_group("chief"), pytest.mark.core]


@pytest.fixture
def address(monkeypatch):
    """A free port on 127.0.0.1, set as keras-tuner's oracle address."""
    port = free_port()
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", str(port))
    return port


@pytest.fixture
def serving(address, monkeypatch, tmp_path):
    """kerasdnn's chief of `tmp_path/search` at `address`, in a thread, until the test ends its search."""
    from keras_tuner.src.distribute import oracle_chief

    servicers = []

    class Servicer(oracle_chief.OracleServicer):
        def __init__(self, oracle):
            super().__init__(oracle)
            servicers.append(self)

    monkeypatch.setattr(oracle_chief, "OracleServicer", Servicer)
    # The workers are done at the chief's second look after the search has
    # ended; it asks about its own oracle.
    asked = []
    monkeypatch.setattr(oracle_chief, "exit_chief", lambda oracle: asked.append(oracle) or len(asked) > 1)
    # The chief's own waits are recorded, and cut short.
    slept, real_sleep = [], time.sleep

    def sleep(seconds):
        if threading.current_thread() is not thread:
            return real_sleep(seconds)
        slept.append(seconds)
        real_sleep(0.05)

    monkeypatch.setattr(time, "sleep", sleep)
    oracle = object()
    project = str(tmp_path / "search")
    thread = threading.Thread(target=chief.serve_oracle, args=(oracle, project), daemon=True)
    thread.start()
    chief.wait_for_chief(timeout=30)
    yield address, project
    # The search ends: the chief stops serving and returns.
    servicers[0].stop_triggered = True
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert servicers[0].oracle is oracle
    # It looks for the search's end every second, then for its workers'
    # every second too (keras-tuner's chief waits 20 s between looks).
    assert asked == [oracle, oracle]
    assert set(slept) == {1}
    assert chief.served_search("127.0.0.1", address, timeout=2) is None


def test_a_chief_names_its_search_and_refuses_a_worker_of_another(serving, capsys):
    port, project = serving
    assert chief.served_search("127.0.0.1", port) == project
    # The same folder, however it is spelled, is the same search.
    chief.check_chief_serves("127.0.0.1", port, project + os.sep)
    chief.check_chief_serves("127.0.0.1", port, os.path.join(os.path.dirname(project), ".", "search"))
    other = os.path.join(os.path.dirname(project), "other")
    with pytest.raises(chief.ChiefAddressError) as refused:
        chief.check_chief_serves("127.0.0.1", port, other)
    assert str(refused.value) == (
        f"the chief at 127.0.0.1:{port} serves the search in {project}, not this worker's {other}; give the worker "
        f"the same --directory and --project-name as its chief, or the --oracle-port of its own chief"
    )
    # A worker whose chief is up starts at once, without a word.
    capsys.readouterr()
    chief.wait_for_chief(timeout=5)
    assert capsys.readouterr().err == ""


def test_a_second_chief_on_a_served_address_is_refused_naming_the_search(serving):
    port, project = serving
    with pytest.raises(chief.ChiefAddressError) as refused:
        chief.check_chief_address("127.0.0.1", port)
    assert str(refused.value) == (
        f"127.0.0.1:{port} already serves the search in {project}; stop that chief, or start this one with another "
        f"--oracle-port"
    )


def test_keras_tuners_own_chief_names_no_search_and_is_trusted(address):
    import grpc

    # A gRPC server without kerasdnn's method, as keras-tuner's chief is.
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    server.add_insecure_port(f"127.0.0.1:{address}")
    server.start()
    try:
        assert chief.served_search("127.0.0.1", address) == ""
        chief.check_chief_serves("127.0.0.1", address, "/any/search")
        with pytest.raises(chief.ChiefAddressError) as refused:
            chief.check_chief_address("127.0.0.1", address)
        assert str(refused.value) == (
            f"127.0.0.1:{address} already serves a keras-tuner search; stop that chief, or start this one with "
            f"another --oracle-port"
        )
    finally:
        server.stop(grace=None)


def test_nothing_serving_an_address_names_no_search_and_a_free_one_is_taken(address):
    assert chief.served_search("127.0.0.1", address, timeout=2) is None
    chief.check_chief_serves("127.0.0.1", address, "/any/search")
    chief.check_chief_address("127.0.0.1", address)


def test_a_port_held_by_another_program_is_refused_in_one_line():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        start = time.perf_counter()
        with pytest.raises(chief.ChiefAddressError) as refused:
            chief.check_chief_address("127.0.0.1", port)
        # It asks the program 5 s for a search (gRPC alone would wait 20 s).
        assert 4.9 < time.perf_counter() - start < 5.8
        assert str(refused.value) == (
            f"127.0.0.1:{port} is held by another program (Address already in use); start the chief with another "
            f"--oracle-port"
        )
    chief.check_chief_address("127.0.0.1", port)  # free again


def test_a_worker_without_its_chief_waits_then_says_what_to_start(address, capsys):
    start = time.perf_counter()
    with pytest.raises(chief.ChiefNotFoundError) as missing:
        chief.wait_for_chief(timeout=2.5)
    assert 2 < time.perf_counter() - start < 10
    assert str(missing.value) == (
        f"no chief answered at 127.0.0.1:{address} within 2.5 s: start it first (kerasdnn tune --chief, or "
        f"KERASTUNER_TUNER_ID=chief) with the same KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT"
    )
    assert missing.value.__cause__ is None and missing.value.__suppress_context__
    assert capsys.readouterr().err == f"kerasdnn: waiting up to 2.5 s for the search's chief at 127.0.0.1:{address}\n"


def test_a_worker_waits_as_long_as_its_timeout_says(address, capsys):
    # Shorter than the first second of waiting, and longer: the whole wait is
    # the timeout, not a second more or less.
    for timeout in (0.5, 2.5):
        start = time.perf_counter()
        with pytest.raises(chief.ChiefNotFoundError):
            chief.wait_for_chief(timeout=timeout)
        assert timeout - 0.05 < time.perf_counter() - start < timeout + 0.7
    assert capsys.readouterr().err.count("kerasdnn: waiting up to") == 2


def test_a_worker_whose_chief_comes_up_late_says_it_waits_then_starts(address, capsys):
    import grpc

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    server.add_insecure_port(f"127.0.0.1:{address}")
    # Up after 1.5 s: past the worker's first second of silent waiting.
    timer = threading.Timer(1.5, server.start)
    timer.start()
    try:
        start = time.perf_counter()
        chief.wait_for_chief(timeout=30)
        assert 1.4 < time.perf_counter() - start < 5
        assert (
            capsys.readouterr().err == f"kerasdnn: waiting up to 30 s for the search's chief at 127.0.0.1:{address}\n"
        )
    finally:
        timer.join()
        server.stop(grace=None)


def test_a_port_left_in_time_wait_by_an_ended_chief_is_free_for_a_chief():
    # The side that closes first keeps the port in TIME_WAIT for a minute; a
    # gRPC server, like this listener, sets SO_REUSEADDR.
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()
        client.close()
    chief.check_chief_address("127.0.0.1", port)


def test_an_ipv6_address_is_checked_as_ipv6():
    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
    chief.check_chief_address("::1", port)
    with socket.socket(socket.AF_INET6) as listener:
        listener.bind(("::1", port))
        listener.listen()
        with pytest.raises(chief.ChiefAddressError, match=r"^::1:\d+ is held by another program"):
            chief.check_chief_address("::1", port)


def test_a_peer_that_never_answers_names_no_search_within_the_timeout():
    # It accepts the connection and says nothing, as a hung program would.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        start = time.perf_counter()
        assert chief.served_search("127.0.0.1", listener.getsockname()[1], timeout=1) is None
        assert time.perf_counter() - start < 3
