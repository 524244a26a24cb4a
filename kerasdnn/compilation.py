"""JAX's persistent compilation cache in the user's cache folder, so that a second run skips XLA's compilation.

JAX compiles each training step before the first epoch runs it: the
headline recipe's first epoch took 2.35 s against 0.65 s for a steady one,
and with the cache a second run's first epoch took 1.12 s and its training
9.99 s instead of 11.52 s (benchmarks/results/time_to_accuracy.json, a
2-core CPU). With the cache on, the compiled executables are written to
disk and a later run of the same network, batch size and backend loads
them instead; tracing the step in Python still happens every run, which
is most of what remains of the first epoch. The recipes
and the `kerasdnn` command turn it on (`--no-compile-cache` turns it off);
in your own code call `use_compilation_cache()` once.
"""

import os

from kerasdnn import user_cache


def cache_folder() -> str:
    """The default cache folder: `$XDG_CACHE_HOME/kerasdnn/jax`, else `~/.cache/kerasdnn/jax` (never the repository)."""
    return user_cache.folder("jax")


def use_compilation_cache(folder: str | None = None) -> str | None:
    """Turns JAX's persistent compilation cache on, in `folder`, where Keras runs on JAX.

    Example:

    >>> kerasdnn.compilation.use_compilation_cache()   # before the first fit
    '/home/me/.cache/kerasdnn/jax'

    A cache folder already chosen (`JAX_COMPILATION_CACHE_DIR`, or
    `jax.config`) wins. Every compiled program is written, however quickly
    it compiled (JAX's default keeps only those over a second), unless you
    set `JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS` yourself. On the
    TensorFlow and PyTorch backends this does nothing.

    Args:
        folder: Where the compiled steps go. Defaults to `None`: `cache_folder()`.

    Returns:
        The folder the cache uses, or `None` on another backend than JAX.
    """
    import keras

    if keras.backend.backend() != "jax":
        return None
    import jax

    if "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS" not in os.environ:
        # JAX writes only the programs that took a second or more to compile,
        # and a CPU compiles each step of these networks in less: with JAX's
        # default nothing was ever written and a second run compiled it all.
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    chosen = jax.config.jax_compilation_cache_dir  # type: ignore[attr-defined]  # a flag jax defines at run time
    if chosen:
        return chosen
    folder = folder or cache_folder()
    jax.config.update("jax_compilation_cache_dir", folder)
    return folder
