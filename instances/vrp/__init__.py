"""Vehicle routing: one model from TSP to profiled VRP (:mod:`.problem`), seeded generators
(:mod:`.generate`), TSPLIB/CVRPLIB, Solomon, ORTEC and ``.sol`` files (:mod:`.tsplib`,
:mod:`.solomon`, :mod:`.sol`, :mod:`.tsplib_write`), distance conventions (:mod:`.distances`)."""

from .problem import VRP, Route, VehicleType, VRPProblem, VRPSolution

__all__ = ["VRPProblem", "VRPSolution", "VRP", "Route", "VehicleType"]
