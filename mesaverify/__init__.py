"""mesaverify: symbolic-numeric verification of the theory of in-context learning in linear transformers."""
from __future__ import annotations

__version__ = "0.2.0"
