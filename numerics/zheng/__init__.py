"""[Z] evaluated straight from the model's definition, never from a derived expression."""
