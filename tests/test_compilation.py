"""JAX's persistent compilation cache: where it goes, who turns it on, and that the flag turns it off."""

import os
import subprocess
import sys

import keras
import pytest

from kerasdnn import compilation
from kerasdnn.experiments import recipe_parser

pytestmark = pytest.mark.core


@pytest.fixture
def no_cache_chosen(monkeypatch, tmp_path):
    """No cache folder chosen yet (the suite's own is set back afterwards); the user's cache in tmp_path."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if keras.backend.backend() != "jax":
        yield None
        return
    import jax

    chosen = jax.config.jax_compilation_cache_dir
    jax.config.update("jax_compilation_cache_dir", None)
    yield jax
    jax.config.update("jax_compilation_cache_dir", chosen)


def test_the_cache_goes_to_the_users_cache_folder_and_a_chosen_folder_wins(no_cache_chosen, tmp_path, monkeypatch):
    assert compilation.cache_folder() == str(tmp_path / "kerasdnn" / "jax")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert compilation.cache_folder() == str(tmp_path / "home" / ".cache" / "kerasdnn" / "jax")
    if no_cache_chosen is None:  # TensorFlow and PyTorch compile no JAX steps
        assert compilation.use_compilation_cache() is None
        return
    jax = no_cache_chosen
    assert compilation.use_compilation_cache() == str(tmp_path / "home" / ".cache" / "kerasdnn" / "jax")
    assert jax.config.jax_compilation_cache_dir == str(tmp_path / "home" / ".cache" / "kerasdnn" / "jax")
    assert compilation.use_compilation_cache(str(tmp_path / "other")) == str(
        tmp_path / "home" / ".cache" / "kerasdnn" / "jax"
    )


@pytest.mark.parametrize("arguments, cached", [([], True), (["--no-compile-cache"], False)])
def test_a_recipe_turns_the_cache_on_unless_told_not_to(no_cache_chosen, tmp_path, arguments, cached):
    parsed = recipe_parser("a recipe", epochs=1, batch_size=8, output_dir="runs/x").parse_args(arguments)
    assert parsed.no_compile_cache is not cached
    if no_cache_chosen is not None:
        expected = str(tmp_path / "kerasdnn" / "jax") if cached else None
        assert no_cache_chosen.config.jax_compilation_cache_dir == expected


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="JAX's own cache")
@pytest.mark.parametrize("threshold, written", [(None, True), ("1000", False)])
def test_every_step_is_written_to_the_cache_unless_the_user_set_jaxs_threshold(tmp_path, threshold, written):
    # A Dense step compiles in well under JAX's default threshold of one
    # second, so with that default the cache folder stayed empty.
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("JAX_COMPILATION_CACHE_DIR", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS")
    }
    environment.update(
        XDG_CACHE_HOME=str(tmp_path), **({"JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": threshold} if threshold else {})
    )
    program = (
        "import kerasdnn, keras, numpy as np\n"
        "from kerasdnn import compilation\n"
        "print(compilation.use_compilation_cache())\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
        "model.compile('sgd', 'mse')\n"
        "model.fit(np.zeros((8, 4)), np.zeros((8, 2)), verbose=0)\n"
    )
    finished = subprocess.run([sys.executable, "-c", program], env=environment, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    folder = tmp_path / "kerasdnn" / "jax"
    assert finished.stdout.split() == [str(folder)]
    entries = list(folder.iterdir()) if folder.is_dir() else []
    assert bool(entries) is written, entries
