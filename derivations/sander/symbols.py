"""The symbols of [S], named as in the paper."""
import sympy as sp

T = sp.Symbol("T", integer=True, positive=True)  # context length: ŝ_{T+1} is predicted from s_1..s_T
t = sp.Symbol("t", integer=True, positive=True)  # position of a token in the context
d = sp.Symbol("d", integer=True, positive=True)  # dimension of the tokens
k, j, l, m = sp.symbols("k j l m", integer=True)  # coordinate indices (summed over 1..d)
A = sp.IndexedBase("A")  # augmented: key-query block pairing s_{t−1} with s_T (complex)
B = sp.IndexedBase("B")  # augmented: value-output block reading s_t (complex)
a, b = sp.symbols("a b", positive=True)  # augmented, scalar family A = a I, B = b I
g = sp.Symbol("g", real=True)  # augmented: the product ab the scalar loss depends on
eta = sp.Symbol("eta", positive=True)  # step size of the inner gradient step
C = sp.IndexedBase("C", real=True)  # non-augmented: C = Σ_h b_h a_h^T
p = sp.IndexedBase("p", real=True)  # non-augmented: positional weights p_1..p_T
C_ = sp.IndexedBase("C'", real=True)  # a second (C, p): E[ŝ(C, p) ŝ(C', p')] is the Gram of the model's features
p_ = sp.IndexedBase("p'", real=True)
tau = sp.Symbol("tau", integer=True)  # a position summed over in the non-augmented loss

# least admissible value of the horizon, for deciding index ranges
HORIZON = {T: 3}
