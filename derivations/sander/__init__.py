"""[S] (Sander et al., ICML 2024), derived.

The loss of every [S] model here, augmented and non-augmented tokens alike, is [S]'s own (the loss its
official implementation minimises, with no factor ½):

    L = E‖ŝ_{T+1} − s_{T+1}‖²,

the expectation over the phases of W (and over s_1 where it is random).  [Z]'s loss keeps its ½.
"""
