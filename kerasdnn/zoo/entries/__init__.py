"""Every network the source decks train, one module per source; importing this package registers them all."""

from kerasdnn.zoo.entries import decks, hanbat, headline, hunkim, tobigs  # noqa: F401  (registration)
