"""Shortest-path solvers: Dijkstra, bidirectional Dijkstra and BFS, A*, contraction hierarchies,
WormHole (sublinear, approximate) and alternative routes (penalty, plateau, Yen)."""
