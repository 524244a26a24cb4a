"""JAX's persistent compilation cache: where it goes, who turns it on, and that the flag turns it off."""

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
