"""What the benchmark scripts share: an epoch timer and the steady-state epoch time."""

import time

import keras


class EpochTimer(keras.callbacks.Callback):
    """Records the wall-clock seconds of every epoch in `seconds`."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def steady(seconds):
    """Fastest epoch after the first, which pays for tracing.

    The fastest, not the median: on shared machines other load only ever adds
    time, and the same epoch varied by a third between identical runs.
    """
    return min(seconds[1:] if len(seconds) > 1 else seconds)
