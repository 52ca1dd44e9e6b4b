"""Layer kinds, one module per family; importing this package registers them all."""

from . import activation, conv, linear, norm, pool, recurrent, reshape  # noqa: F401
