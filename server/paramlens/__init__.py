"""paramlens: exact parameter counts and shapes of neural-network architectures."""

__version__ = "0.1.0"
