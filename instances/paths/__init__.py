"""Shortest paths on road and social graphs: CSR graphs (:mod:`.graph`), queries and their scoring
(:mod:`.problem`, :mod:`.scores`), generators (:mod:`.generate`), DIMACS / edge-list / OSM /
GraphML files (:mod:`.io`) and road networks to VRP matrices (:mod:`.road`)."""

from .graph import Graph
from .problem import PathsProblem, PathsSolution
from .road import from_road_network

__all__ = ["Graph", "PathsProblem", "PathsSolution", "from_road_network"]
