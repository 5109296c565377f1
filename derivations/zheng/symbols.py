"""The symbols of [Z], named as in the paper."""
import sympy as sp

d = sp.Symbol("d", integer=True, positive=True)  # dimension of the tokens
T = sp.Symbol("T", integer=True, positive=True)  # training horizon (T >= 3)
t = sp.Symbol("t", integer=True, positive=True)  # context length of a prediction (t >= 2)
a, b = sp.symbols("a b", real=True)  # diagonal family: W^{KQ}_{21} = a I_d, W^{PV}_1 = b I_d
u = sp.Symbol("u", real=True)  # the product ab that the reduced loss depends on
tau = sp.Symbol("tau", nonnegative=True)  # gradient-flow time
a0, b0 = sp.symbols("a_0 b_0", real=True)  # initialisation
a_k = sp.IndexedBase("a", real=True)  # per-coordinate family: W^{KQ}_{21} = diag(a_1..a_d)
b_k = sp.IndexedBase("b", real=True)  # per-coordinate family: W^{PV}_1 = diag(b_1..b_d)

# least admissible values of the horizon symbols, for deciding index ranges
HORIZON = {t: 2, T: 3}
