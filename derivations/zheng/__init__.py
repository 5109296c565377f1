"""[Z] Zheng et al. (NeurIPS 2024): one-layer linear causal self-attention trained on x_{t+1} = W x_t."""
