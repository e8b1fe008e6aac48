"""kotacerdas: the shared kernel (contract, registry, settings) and the composition root."""

__version__ = "0.1.0"
