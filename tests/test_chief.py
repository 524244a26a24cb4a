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
    # Every worker is done as soon as the search has ended.
    monkeypatch.setattr(oracle_chief, "exit_chief", lambda oracle: True)
    project = str(tmp_path / "search")
    thread = threading.Thread(target=chief.serve_oracle, args=(object(), project), daemon=True)
    thread.start()
    chief.wait_for_chief(timeout=30)
    yield address, project
    # The search ends: the chief stops serving and returns.
    servicers[0].stop_triggered = True
    thread.join(timeout=30)
    assert not thread.is_alive()
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
        with pytest.raises(chief.ChiefAddressError) as refused:
            chief.check_chief_address("127.0.0.1", port)
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
