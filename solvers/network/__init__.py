"""Solvers for packet routing (family ``network``). Datacenter fabrics: ``ecmp`` (hashing),
``spray`` (the fractional LP over equal-cost paths, ideal packet spraying, the lower bound),
``split`` (single path with minimal flow splitting), ``network-greedy`` (least-congested path) and
``network-milp`` (exact, unsplittable). Wide-area networks: ``mcf-lp`` (the arc LP over all
routes, the bound), ``ksp-lp`` (the LP over each flow's k shortest paths) and ``shortest-path``
(OSPF-style single shortest path); ``ecmp``, ``network-greedy`` and ``network-milp`` take them too."""
