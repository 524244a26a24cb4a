"""The names and defaults that the command line offers before Keras loads.

`kerasdnn.tuning` and `kerasdnn.data` use them too; they live here, in a
module that imports nothing, so `kerasdnn --help` stays fast.
"""

# The image datasets the builders' search space and the headline nets train on.
IMAGE_DATASETS = ("mnist", "fashion_mnist")
# keras-tuner's tuner kinds that `kerasdnn.tuning.make_tuner` builds.
TUNERS = ("random", "hyperband", "bayesian", "grid")
# Where searches are kept unless told otherwise.
DEFAULT_DIRECTORY = "tuner_runs"
# How long a worker waits for its chief before giving up, in seconds.
CHIEF_TIMEOUT = 300
