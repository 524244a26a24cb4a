"""kerasdnn's own best MLPs, trained past every reference: `mnist_bn` and `fashion_bn`."""

from kerasdnn.entries.sources import HANBAT, TOBIGS, mlp
from kerasdnn.registry import register_model


@register_model(source=HANBAT, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=570_122,
                reference=0.985, recipe="recipes/mnist_bn.py", weights=("mnist",),
                training={"learning_rate": 2e-3, "schedule": "cosine"},
                notes="kerasdnn's headline: target at least 0.985 (references 0.9826 lab-10-7, 0.9840 Keras mnist_mlp)")
def mnist_bn(**overrides):
    """784-512-256-128-10, Dense → BN → ReLU → Dropout(0.2) blocks: the headline MNIST net."""
    return mlp((28, 28, 1), **{"units": (512, 256, 128), "dropout": 0.2, "name": "mnist_bn", **overrides})


@register_model(source=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=1_338_378,
                reference=0.905, recipe="recipes/mnist_bn.py", weights=("fashion_mnist",),
                training={"learning_rate": 2e-3, "schedule": "cosine", "epochs": 30},
                notes="recipes/mnist_bn.py --dataset fashion_mnist; target at least 0.905, past ToBig's "
                      "best 0.9013 (validation) and the Kaggle baseline 0.90257")
def fashion_bn(**overrides):
    """784-1024-512-10 BN-MLP with Dropout(0.4): the zoo's best Fashion-MNIST MLP."""
    return mlp((28, 28, 1), **{"units": (1024, 512), "dropout": 0.4, "name": "fashion_bn", **overrides})
