"""slotplan: daily roster and appointment-slot optimizer for public offices."""

__version__ = "0.1.0"
