"""Numeric twins of model descriptions: the described model built from its definition, no derivation."""
