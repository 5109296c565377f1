"""Any linear-attention model from a description: the description (data), its terms, its derived results."""
