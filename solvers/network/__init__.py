"""Solvers for packet routing in datacenter fabrics (family ``network``): ``ecmp`` (hashing),
``spray`` (the fractional LP, ideal packet spraying, the lower bound), ``split`` (single path with
minimal flow splitting), ``network-greedy`` (least-congested path) and ``network-milp`` (exact, unsplittable)."""
