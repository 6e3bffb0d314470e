"""The restricted master of the route relaxation: a set-covering LP over routes in HiGHS, with
the rows that cuts and branching add, the routes' pool, and the edge values of its answer.

Rows: one per client (``>= 1``), the vehicles (``k_min..k_max``), then cuts ``x(δ(S)) >= 2 k(S)``
and branching rows on single edges, in the order they came. Columns: one artificial per client
(a route to it and back that no branching bars, at a cost above any set of routes, so that every
set of rows can be met), then the routes. :mod:`.bound` prices routes against its duals.
"""

from __future__ import annotations

import numpy as np

_TOL = 1e-6


def priced_costs(cost: np.ndarray, cuts: list[np.ndarray], beta: np.ndarray) -> np.ndarray:
    """Edge costs less the cut duals: ``c_ij - sum_S beta_S [ij crosses S]``."""
    if not cuts or not (beta > 0).any():
        return cost.astype(float)
    n = cost.shape[0]
    active = np.flatnonzero(beta > 0)
    b = beta[active]
    if active.size * n <= 200_000:              # small: dense products beat sparse overheads
        A = np.zeros((active.size, n))
        for r, c in enumerate(active):
            A[r, cuts[c]] = 1.0
        vec = A.T @ b
        inner = (A.T * b) @ A
    else:
        from scipy.sparse import csr_matrix

        rows = np.repeat(np.arange(active.size), [cuts[r].size for r in active])
        A = csr_matrix((np.ones(rows.size), (rows, np.concatenate([cuts[r] for r in active]))),
                       shape=(active.size, n))
        vec = A.T @ b
        inner = (A.T.multiply(b) @ A).toarray()
    return cost - vec[:, None] - vec[None, :] + 2.0 * inner


class RouteMaster:
    """Rows: one per client (``>= 1``, row ``i - 1`` for client ``i``), the vehicles
    (``k_min..k_max``), the cuts ``x(δ(S)) >= 2 k(S)`` and the branching rows on single edges
    ``x_e >= rhs`` or ``<= rhs``, in the order they came. Columns: artificial ones, then routes."""

    def __init__(self, cost: np.ndarray, k_range: tuple[int, int], penalty: float):
        import highspy

        self.hs = highspy
        self.cost = cost
        n = self.n = cost.shape[0]
        h = self.h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        # routes join a solved master, whose basis stays primal feasible: primal simplex from
        # it (measured: 3x fewer master seconds than the default dual simplex), no presolve
        h.setOptionValue("simplex_strategy", 4)
        h.setOptionValue("presolve", "off")
        lo = np.ones(n)
        up = np.full(n, highspy.kHighsInf)
        lo[-1], up[-1] = k_range
        h.addRows(n, lo, up, 0, np.zeros(n, np.int32), np.zeros(0, np.int32), np.zeros(0))
        rows = np.arange(n - 1, dtype=np.int32)
        h.addCols(n - 1, np.full(n - 1, penalty), np.zeros(n - 1), np.full(n - 1, highspy.kHighsInf),
                  n - 1, rows, rows, np.ones(n - 1))
        self.artificial = n - 1
        self.penalty = penalty
        self.seen: set[bytes] = set()
        self.arcs_u: list[np.ndarray] = []     # per route: its edges, from the depot back to it
        self.arcs_v: list[np.ndarray] = []
        self.extra: list[tuple] = []           # rows after the vehicles: ("cut", S, k) or ("edge", u, v, sense, rhs)
        self.forbidden = np.zeros((n, n), bool)
        self._members: np.ndarray | None = None      # the cut rows' sets, for coefficients
        self._edge_rows: list[int] = []

    # ------------------------------------------------------------------ rows
    @property
    def routes(self) -> int:
        return len(self.arcs_u)

    @property
    def cuts(self) -> list[np.ndarray]:
        return [r[1] for r in self.extra if r[0] == "cut"]

    def _coefficients(self, row: tuple, u: np.ndarray, v: np.ndarray) -> float:
        if row[0] == "cut":
            member = row[3]
            return float((member[u] ^ member[v]).sum())
        a, b = row[1], row[2]
        return float((((u == a) & (v == b)) | ((u == b) & (v == a))).sum())

    def _route_coefficients(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """A route's coefficient in every row after the vehicles."""
        if self._members is None or self._members.shape[0] != len(self.extra):
            self._members = np.array([r[3] if r[0] == "cut" else np.zeros(self.n, bool) for r in self.extra])
            self._edge_rows = [k for k, r in enumerate(self.extra) if r[0] == "edge"]
        coef = (self._members[:, u] ^ self._members[:, v]).sum(axis=1).astype(float)
        for k in self._edge_rows:
            coef[k] = self._coefficients(self.extra[k], u, v)
        return coef

    def add_rows(self, rows: list[tuple]) -> None:
        """``("cut", S, k)`` or ``("edge", u, v, ">=" or "<=", rhs)``: one row each, with every
        route's coefficient."""
        if not rows:
            return
        lo, up, starts, index, value = [], [], [], [], []
        if self.routes:
            U = np.concatenate(self.arcs_u)
            V = np.concatenate(self.arcs_v)
            col = np.repeat(np.arange(self.routes), [a.size for a in self.arcs_u])
        for row in rows:
            if row[0] == "cut":
                member = np.zeros(self.n, bool)
                member[row[1]] = True
                row = ("cut", np.asarray(row[1]), int(row[2]), member)
                lo.append(2.0 * row[2])
                up.append(self.hs.kHighsInf)
            else:
                lo.append(float(row[4]) if row[3] == ">=" else -self.hs.kHighsInf)
                up.append(float(row[4]) if row[3] == "<=" else self.hs.kHighsInf)
            starts.append(len(index))
            # the artificial column of a client stands for a route to it and back that no
            # branching can bar: every row can be met at a prohibitive cost
            if row[0] == "cut":
                index.extend((row[1] - 1).tolist())
                value.extend([2.0] * row[1].size)
            elif row[3] == ">=":
                ends = [c for c in (row[1], row[2]) if c]
                index.extend([c - 1 for c in ends])
                value.extend([float(row[4])] * len(ends))
            if self.routes:
                if row[0] == "cut":
                    hit = row[3][U] ^ row[3][V]
                else:
                    hit = ((U == row[1]) & (V == row[2])) | ((U == row[2]) & (V == row[1]))
                coef = np.bincount(col, weights=hit.astype(float), minlength=self.routes)
                nz = np.flatnonzero(coef)
                index.extend((self.artificial + nz).tolist())
                value.extend(coef[nz].tolist())
            self.extra.append(row)
        self._members = None
        self.h.addRows(len(lo), np.array(lo), np.array(up), len(index), np.array(starts, np.int32),
                       np.array(index, np.int32), np.array(value, float))

    def delete_edge_rows(self) -> None:
        drop = [k for k, r in enumerate(self.extra) if r[0] == "edge"]
        if drop:
            self.h.deleteRows(len(drop), np.array([self.n + k for k in drop], np.int32))
            self.extra = [r for r in self.extra if r[0] != "edge"]
            self._members = None

    def forbid(self, forbidden: np.ndarray) -> None:
        """Only the routes that use no forbidden edge may be used (the others get bound 0)."""
        self.forbidden = forbidden
        if not self.routes:
            return
        ub = np.array([0.0 if forbidden[u, v].any() else self.hs.kHighsInf
                       for u, v in zip(self.arcs_u, self.arcs_v)])
        cols = np.arange(self.artificial, self.artificial + self.routes, dtype=np.int32)
        self.h.changeColsBounds(cols.size, cols, np.zeros(cols.size), ub)

    # ------------------------------------------------------------------ columns
    def add_routes(self, found: list[np.ndarray]) -> int:
        starts, index, value, costs = [], [], [], []
        for r in found:
            key = (r if r[0] <= r[-1] else r[::-1]).tobytes()
            if key in self.seen:
                continue
            path = np.concatenate([[0], r, [0]])
            u, v = path[:-1], path[1:]
            if self.forbidden[u, v].any():
                continue
            self.seen.add(key)
            clients, counts = np.unique(r, return_counts=True)
            starts.append(len(index))
            index.extend((clients - 1).tolist() + [self.n - 1])
            value.extend(counts.astype(float).tolist() + [1.0])
            if self.extra:
                coef = self._route_coefficients(u, v)
                nz = np.flatnonzero(coef)
                index.extend((self.n + nz).tolist())
                value.extend(coef[nz].tolist())
            costs.append(float(self.cost[u, v].sum()))
            self.arcs_u.append(u)
            self.arcs_v.append(v)
        if not costs:
            return 0
        m = len(costs)
        self.h.addCols(m, np.array(costs), np.zeros(m), np.full(m, self.hs.kHighsInf), len(index),
                       np.array(starts, np.int32), np.array(index, np.int32), np.array(value))
        return m

    def drop_routes(self, lam: np.ndarray, keep: int) -> np.ndarray:
        """Delete the unused routes with the largest reduced costs, leaving ``keep`` routes;
        returns ``lam`` without them."""
        if self.routes <= keep:
            return lam
        rc = np.array(self.h.getSolution().col_dual)[self.artificial:]
        unused = np.flatnonzero(lam[self.artificial:] <= _TOL)
        excess = self.routes - keep
        if unused.size <= excess:
            return lam
        drop = np.sort(unused[np.argsort(-rc[unused])[:excess]])
        self.h.deleteCols(drop.size, (drop + self.artificial).astype(np.int32))
        gone = set(drop.tolist())
        for r in drop:
            route_ = self.arcs_v[r][:-1]
            self.seen.discard((route_ if route_[0] <= route_[-1] else route_[::-1]).tobytes())
        self.arcs_u = [a for r, a in enumerate(self.arcs_u) if r not in gone]
        self.arcs_v = [a for r, a in enumerate(self.arcs_v) if r not in gone]
        kept = np.ones(lam.size, bool)
        kept[drop + self.artificial] = False
        return lam[kept]

    # ------------------------------------------------------------------ solving
    def solve(self, seconds: float):
        self.h.setOptionValue("time_limit", self.h.getRunTime() + max(0.05, seconds))   # HiGHS counts from its creation
        self.h.run()
        sol = self.h.getSolution()
        return self.h.getModelStatus(), np.array(sol.col_value), np.array(sol.row_dual)

    def value(self) -> float:
        return float(self.h.getInfo().objective_function_value)

    def edge_values(self, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The routes' flow on each edge ``(u < v)``: the x of the edge formulation."""
        used = np.flatnonzero(lam[self.artificial:] > _TOL)
        if not used.size:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        U = np.concatenate([self.arcs_u[r] for r in used])
        V = np.concatenate([self.arcs_v[r] for r in used])
        w = np.repeat(lam[self.artificial + used], [self.arcs_u[r].size for r in used])
        a, b = np.minimum(U, V), np.maximum(U, V)
        key, inverse = np.unique(a * self.n + b, return_inverse=True)
        x = np.bincount(inverse, weights=w)
        return key // self.n, key % self.n, x

    def raise_penalty(self, factor: float) -> None:
        """Make the artificial columns ``factor`` times dearer: a master that still needs them
        once converged then bounds ever higher, until its bound shows that no routes meet its
        rows (a big-M phase one)."""
        self.penalty *= factor
        cols = np.arange(self.artificial, dtype=np.int32)
        self.h.changeColsCost(cols.size, cols, np.full(cols.size, self.penalty))

    def artificial_used(self, lam: np.ndarray) -> bool:
        return bool((lam[:self.artificial] > _TOL).any())


__all__ = ["RouteMaster", "priced_costs"]
