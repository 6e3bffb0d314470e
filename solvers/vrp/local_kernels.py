"""Numba kernels of the built-in VRP local search (the method is described in ``local.py``).

Kept in one module over the usual ~400 lines: numba's cache is per module, and the kernels call
one another so tightly that splitting them would only spread one algorithm over several files.

Everything works on flat int64 arrays in the integer units of ``common.to_integers``.

``prob`` = (D, T, svc, early, late, demand, neigh, par, X, prize) with ``par = [capacity,
use_time, symmetric, depots, vehicle types, demand dimensions, bits per packed dimension,
per-type service costs, optional clients, forbidden cost]`` (nodes ``0 .. depots-1`` are
depots). ``X[k, c]`` is what vehicle type ``k`` pays to serve client ``c`` (preferences as
costs; a client in the type's forbidden zone pays the forbidden cost, far above any detour, and
counts as infeasible); ``prize[c]`` is the prize an optional client earns (-1: required).
Several demand dimensions are packed into one int64 load, ``bits`` per dimension (exact: each
dimension's total demand fits its field, so sums never carry); each slot's capacity of dimension
``d >= 1`` is ``rdat[r, 5 + d]``.
``sol``  = (rt, rlen, route, pos, PD, SD, rinfo, last_mod, last_tested, bk, bklen, touched,
tlist, ctr, rdat, spos, scost, stamp, stested): route ``r`` visits ``rt[r, :rlen[r]]``; ``rdat[r]`` = (start depot, end depot,
capacity, fixed cost, max duration, vehicle type, capacities of further dimensions) of the slot ``r`` (slots are grouped by type);
``PD[c]``/``SD[c]`` hold the prefix (start depot to ``c``) and suffix (``c`` to end depot) data
of client ``c`` as (distance, load, duration, time warp, earliest, latest) so a move that glues a
prefix, a few clients and a suffix is priced in O(1); ``rinfo[r]`` = (distance, load, time warp
plus duration excess) of route ``r``; its cost adds the fixed cost when it is not empty. Time windows use the time-warp
segment algebra of Vidal et al. (as in HGS and PyVRP): a route is feasible iff its warp is 0.
``bk``/``bklen``/``touched``/``tlist`` back up routes changed in one ruin-and-recreate step so a
rejected step is undone by restoring only those; ``ctr = [move counter, touched count, tracking]``.
SWAP* scratch: ``spos``/``scost`` (2 x route length x 3) hold each client's three cheapest
insertion positions in the other route of a pair; ``stamp`` (routes + 1, the last entry a running
token) marks the pairs met in one pass; ``stested[r]`` is the move counter when route ``r``'s pairs
were last tried.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# The hot kernels run without numba's reference counting (``_nrt=False``): they only index
# arrays handed to them, and the atomic increments numba otherwise emits for every array taken
# out of the ``prob``/``sol`` tuples made the local search about 15x slower.

EPS = 1e-6


@njit(cache=True, inline="always")
def merge(d1, tw1, e1, l1, last1, d2, tw2, e2, l2, first2, T):
    t = T[last1, first2]
    delta = d1 - tw1 + t
    dwait = e2 - delta - l1
    if dwait < 0:
        dwait = 0
    dtw = e1 + delta - l2
    if dtw < 0:
        dtw = 0
    e = e2 - delta
    if e1 > e:
        e = e1
    lt = l2 - delta
    if l1 < lt:
        lt = l1
    return d1 + d2 + t + dwait, tw1 + tw2 + dtw, e - dwait, lt + dtw


@njit(cache=True, inline="always")
def excess(prob, sol, load, o):
    """Load beyond slot ``o``'s capacity, summed over the demand dimensions."""
    rd = sol[14]
    m = prob[7][5]
    if m <= 1:
        x = load - rd[o, 2]
        return x if x > 0 else 0
    b = prob[7][6]
    mask = (1 << b) - 1
    x = 0
    for d in range(m):
        f = (load >> (b * d)) & mask
        cap = rd[o, 2] if d == 0 else rd[o, 5 + d]
        if f > cap:
            x += f - cap
    return x


@njit(cache=True, inline="always")
def pcost(dist, exc, tw, pen):
    c = float(dist)
    if exc > 0:
        c += pen[0] * exc
    if tw > 0:
        c += pen[1] * tw
    return c


@njit(cache=True, inline="always")
def route_cost_in(prob, sol, r, o, pen):
    """Penalised cost of route ``r`` as it is, with slot ``o``'s capacity and fixed cost (the same
    distance and time warp: for slots of the same depots, duration limit and service costs)."""
    rinfo = sol[6]
    if sol[1][r] == 0:
        return 0.0
    return pcost(rinfo[r, 0], excess(prob, sol, rinfo[r, 1], o), rinfo[r, 2], pen) + sol[14][o, 3]


@njit(cache=True, inline="always")
def route_cost(prob, sol, r, pen):
    return route_cost_in(prob, sol, r, r, pen)


@njit(cache=True, inline="always")
def over(dur, sol, r):
    """Duration beyond the slot's maximum, priced as time warp (as PyVRP does)."""
    x = dur - sol[14][r, 4]
    return x if x > 0 else 0


@njit(cache=True, _nrt=False)
def update_route(prob, sol, r):
    D, T, svc, twe, twl, dem, par = prob[0], prob[1], prob[2], prob[3], prob[4], prob[5], prob[7]
    rt, rlen, route, pos, PD, SD, rinfo = sol[0], sol[1], sol[2], sol[3], sol[4], sol[5], sol[6]
    L = rlen[r]
    use_tw = par[1]
    s0 = sol[14][r, 0]
    s1 = sol[14][r, 1]
    X = prob[8]
    k = sol[14][r, 5] if par[7] else 0
    dist = 0
    load = 0
    dur = 0
    tw = 0
    e = twe[s0]
    lt = twl[s0]
    last = s0
    for p in range(L):
        c = rt[r, p]
        route[c] = r
        pos[c] = p
        dist += D[last, c]
        if par[7]:
            dist += X[k, c]
        load += dem[c]
        if use_tw:
            dur, tw, e, lt = merge(dur, tw, e, lt, last, svc[c], 0, twe[c], twl[c], c, T)
        PD[c, 0] = dist
        PD[c, 1] = load
        PD[c, 2] = dur
        PD[c, 3] = tw
        PD[c, 4] = e
        PD[c, 5] = lt
        last = c
    dist = 0
    load = 0
    dur = 0
    tw = 0
    e = twe[s1]
    lt = twl[s1]
    first = s1
    for p in range(L - 1, -1, -1):
        c = rt[r, p]
        dist += D[c, first]
        if par[7]:
            dist += X[k, c]
        load += dem[c]
        if use_tw:
            dur, tw, e, lt = merge(svc[c], 0, twe[c], twl[c], c, dur, tw, e, lt, first, T)
        SD[c, 0] = dist
        SD[c, 1] = load
        SD[c, 2] = dur
        SD[c, 3] = tw
        SD[c, 4] = e
        SD[c, 5] = lt
        first = c
    if L == 0:
        rinfo[r, 0] = 0
        rinfo[r, 1] = 0
        rinfo[r, 2] = 0
    else:
        rinfo[r, 0] = dist + D[s0, first]
        rinfo[r, 1] = load
        if use_tw:
            m = merge(0, 0, twe[s0], twl[s0], s0, dur, tw, e, lt, first, T)
            rinfo[r, 2] = m[1] + over(m[0], sol, r)
        else:
            rinfo[r, 2] = 0


@njit(cache=True, inline="always")
def pre(prob, sol, r, p):
    """State of route ``r`` up to and including position ``p`` (-1: the depot alone)."""
    k = sol[14][r, 5] if prob[7][7] else 0
    if p < 0:
        s0 = sol[14][r, 0]
        return 0, 0, 0, 0, prob[3][s0], prob[4][s0], s0, k
    c = sol[0][r, p]
    PD = sol[4]
    return PD[c, 0], PD[c, 1], PD[c, 2], PD[c, 3], PD[c, 4], PD[c, 5], c, k


@njit(cache=True, inline="always")
def app(prob, st, c):
    dist, load, dur, tw, e, lt, last, k = st
    dist += prob[0][last, c]
    if prob[7][7]:
        dist += prob[8][k, c]
    load += prob[5][c]
    if prob[7][1]:
        dur, tw, e, lt = merge(dur, tw, e, lt, last, prob[2][c], 0, prob[3][c], prob[4][c], c, prob[1])
    return dist, load, dur, tw, e, lt, c, k


@njit(cache=True, inline="always")
def fin_in(prob, sol, st, r, p, o, pen):
    """Penalised cost of ``st`` followed by route ``r`` from position ``p``, priced as slot ``o``
    (its end depot, capacity, fixed cost, duration limit and service costs). The tail is walked
    when the two slots end at different depots or serve at different costs (its suffix data holds
    ``r``'s)."""
    rd = sol[14]
    if rd[o, 1] != rd[r, 1] or (prob[7][7] and rd[o, 5] != rd[r, 5]):
        for i in range(p, sol[1][r]):
            st = app(prob, st, sol[0][r, i])
        p = sol[1][r]
    dist, load, dur, tw, e, lt, last, k = st
    D, T = prob[0], prob[1]
    if p >= sol[1][r]:
        if last < prob[7][3]:
            return 0.0
        s1 = rd[o, 1]
        dist += D[last, s1]
        if prob[7][1]:
            m = merge(dur, tw, e, lt, last, 0, 0, prob[3][s1], prob[4][s1], s1, T)
            tw = m[1] + over(m[0], sol, o)
    else:
        c = sol[0][r, p]
        SD = sol[5]
        dist += D[last, c] + SD[c, 0]
        load += SD[c, 1]
        if prob[7][1]:
            m = merge(dur, tw, e, lt, last, SD[c, 2], SD[c, 3], SD[c, 4], SD[c, 5], c, T)
            tw = m[1] + over(m[0], sol, o)
    return pcost(dist, excess(prob, sol, load, o), tw, pen) + rd[o, 3]


@njit(cache=True, inline="always")
def fin(prob, sol, st, r, p, pen):
    """Penalised cost of ``st`` followed by route ``r`` from position ``p`` to its end depot."""
    return fin_in(prob, sol, st, r, p, r, pen)


@njit(cache=True, _nrt=False)
def walk_cost(prob, sol, buf, L, pen, r):
    st = pre(prob, sol, r, -1)
    for i in range(L):
        st = app(prob, st, buf[i])
    return fin(prob, sol, st, r, 1 << 60, pen)


@njit(cache=True, _nrt=False)
def set_route(prob, sol, r, buf, L):
    rt, rlen, last_mod, bk, bklen, touched, tlist, ctr = (sol[0], sol[1], sol[7], sol[9], sol[10],
                                                          sol[11], sol[12], sol[13])
    if ctr[2] and not touched[r]:
        for i in range(rlen[r]):
            bk[r, i] = rt[r, i]
        bklen[r] = rlen[r]
        touched[r] = True
        tlist[ctr[1]] = r
        ctr[1] += 1
    for i in range(L):
        rt[r, i] = buf[i]
    rlen[r] = L
    update_route(prob, sol, r)
    ctr[0] += 1
    last_mod[r] = ctr[0]


@njit(cache=True, _nrt=False)
def restore(prob, sol):
    rt, rlen, last_mod, bk, bklen, touched, tlist, ctr = (sol[0], sol[1], sol[7], sol[9], sol[10],
                                                          sol[11], sol[12], sol[13])
    route = sol[2]
    for k in range(ctr[1]):         # clients the step put in: unrouted unless restored below
        r = tlist[k]
        for i in range(rlen[r]):
            route[rt[r, i]] = -1
    for k in range(ctr[1]):
        r = tlist[k]
        for i in range(bklen[r]):
            rt[r, i] = bk[r, i]
        rlen[r] = bklen[r]
        update_route(prob, sol, r)
        last_mod[r] = 0     # back to a state the local search had already exhausted
    for k in range(ctr[1]):
        touched[tlist[k]] = False
    ctr[1] = 0


@njit(cache=True, _nrt=False)
def commit(sol):
    touched, tlist, ctr = sol[11], sol[12], sol[13]
    for k in range(ctr[1]):
        touched[tlist[k]] = False
    ctr[1] = 0


@njit(cache=True, inline="always")
def copy_part(dst, n, src, r, a, b):
    for i in range(a, b):
        dst[n] = src[r, i]
        n += 1
    return n


# ----------------------------------------------------------------------------- moves
# Moves are first bounded by distances (and fixed costs) alone: the penalties of the routes as
# they are are the most a move can save beyond its distance change, so a move whose distance and
# fixed-cost change already exceeds them is skipped without pricing it.
@njit(cache=True, inline="always")
def plain(sol, r):
    """Distance (with service costs) and fixed cost of route ``r`` as it is, without penalties."""
    if sol[1][r] == 0:
        return 0
    return sol[6][r, 0] + sol[14][r, 3]


@njit(cache=True, inline="always")
def node_at(sol, r, p):
    if p < 0:
        return sol[14][r, 0]
    if p >= sol[1][r]:
        return sol[14][r, 1]
    return sol[0][r, p]


@njit(cache=True, _nrt=False)
def exchange(prob, sol, pen, ru, pu, a, rv, pv, b, base, bufA, bufB):
    """Swap segment rt[ru, pu:pu+a] with rt[rv, pv:pv+b] (b = 0: insert at pv); apply if better."""
    rt, rlen = sol[0], sol[1]
    if pu + a > rlen[ru] or pv + b > rlen[rv]:
        return False
    D = prob[0]
    pA, nA = node_at(sol, ru, pu - 1), node_at(sol, ru, pu + a)
    pB, nB = node_at(sol, rv, pv - 1), node_at(sol, rv, pv + b)
    su0, suL = rt[ru, pu], rt[ru, pu + a - 1]
    if b > 0:
        sv0, svL = rt[rv, pv], rt[rv, pv + b - 1]
        dd = (D[pA, sv0] + D[svL, nA] - D[pA, su0] - D[suL, nA]
              + D[pB, su0] + D[suL, nB] - D[pB, sv0] - D[svL, nB])
    else:
        dd = D[pA, nA] - D[pA, su0] - D[suL, nA] + D[pB, su0] + D[suL, nB] - D[pB, nB]
        if a == rlen[ru]:           # an emptied route costs nothing, even from one depot to another
            dd -= D[pA, nA] + sol[14][ru, 3]
        if rlen[rv] == 0:           # a route put to use pays its fixed cost
            dd += sol[14][rv, 3]
    # the bound, unless the two types pay differently for their clients
    if (not prob[7][7] or sol[14][ru, 5] == sol[14][rv, 5]) and \
            dd >= base - plain(sol, ru) - plain(sol, rv) - EPS:
        return False
    st = pre(prob, sol, ru, pu - 1)
    for i in range(pv, pv + b):
        st = app(prob, st, rt[rv, i])
    ca = fin(prob, sol, st, ru, pu + a, pen)
    if ca >= base:
        return False
    st = pre(prob, sol, rv, pv - 1)
    for i in range(pu, pu + a):
        st = app(prob, st, rt[ru, i])
    cb = fin(prob, sol, st, rv, pv + b, pen)
    if ca + cb >= base - EPS:
        return False
    na = copy_part(bufA, 0, rt, ru, 0, pu)
    na = copy_part(bufA, na, rt, rv, pv, pv + b)
    na = copy_part(bufA, na, rt, ru, pu + a, rlen[ru])
    nb = copy_part(bufB, 0, rt, rv, 0, pv)
    nb = copy_part(bufB, nb, rt, ru, pu, pu + a)
    nb = copy_part(bufB, nb, rt, rv, pv + b, rlen[rv])
    set_route(prob, sol, ru, bufA, na)
    set_route(prob, sol, rv, bufB, nb)
    return True


@njit(cache=True, _nrt=False)
def two_opt_star(prob, sol, pen, ru, i, rv, j, base, bufA, bufB):
    """Tails exchange: ru[:i+1] + rv[j+1:] and rv[:j+1] + ru[i+1:]; apply if better."""
    rt, rlen = sol[0], sol[1]
    D = prob[0]
    rd = sol[14]
    # the distance bound holds when both slots share one depot (tails keep their end depot)
    if rd[ru, 0] == rd[ru, 1] and rd[rv, 0] == rd[rv, 1] and rd[ru, 1] == rd[rv, 1] and \
            (not prob[7][7] or rd[ru, 5] == rd[rv, 5]):
        x, y = node_at(sol, ru, i), node_at(sol, rv, j)
        nx, ny = node_at(sol, ru, i + 1), node_at(sol, rv, j + 1)
        dd = D[x, ny] + D[y, nx] - D[x, nx] - D[y, ny]
        if i + 1 > 0 or j + 1 < rlen[rv]:
            dd += rd[ru, 3]
        if j + 1 > 0 or i + 1 < rlen[ru]:
            dd += rd[rv, 3]
        if dd >= base - sol[6][ru, 0] - sol[6][rv, 0] - EPS:
            return False
    ca = fin_in(prob, sol, pre(prob, sol, ru, i), rv, j + 1, ru, pen)
    if ca >= base:
        return False
    cb = fin_in(prob, sol, pre(prob, sol, rv, j), ru, i + 1, rv, pen)
    if ca + cb >= base - EPS:
        return False
    na = copy_part(bufA, 0, rt, ru, 0, i + 1)
    na = copy_part(bufA, na, rt, rv, j + 1, rlen[rv])
    nb = copy_part(bufB, 0, rt, rv, 0, j + 1)
    nb = copy_part(bufB, nb, rt, ru, i + 1, rlen[ru])
    set_route(prob, sol, ru, bufA, na)
    set_route(prob, sol, rv, bufB, nb)
    return True


@njit(cache=True, _nrt=False)
def intra_try(prob, sol, pen, r, buf, L, base):
    c = walk_cost(prob, sol, buf, L, pen, r)
    if c < base - EPS:
        set_route(prob, sol, r, buf, L)
        return True
    return False


@njit(cache=True, _nrt=False)
def intra_moves(prob, sol, pen, u, v, bufA):
    rt, rlen, pos = sol[0], sol[1], sol[3]
    r = sol[2][u]
    L = rlen[r]
    pu, pv = pos[u], pos[v]
    base = route_cost(prob, sol, r, pen)
    room = base - plain(sol, r) - EPS
    D = prob[0]
    # Or-opt: segment of 1-3 starting at u moved right after v or right before v.
    for a in range(1, 4):
        if pu + a > L:
            break
        if pu <= pv < pu + a:
            break
        for q in (pv, pv - 1):         # insert after position q
            if pu - 1 <= q <= pu + a - 1:
                continue
            p0, n0 = node_at(sol, r, pu - 1), node_at(sol, r, pu + a)
            s0, sL = rt[r, pu], rt[r, pu + a - 1]
            x, y = node_at(sol, r, q), node_at(sol, r, q + 1)
            if D[p0, n0] - D[p0, s0] - D[sL, n0] + D[x, s0] + D[sL, y] - D[x, y] >= room:
                continue
            n = 0
            if q == -1:
                n = copy_part(bufA, n, rt, r, pu, pu + a)
            for p in range(L):
                if pu <= p < pu + a:
                    continue
                bufA[n] = rt[r, p]
                n += 1
                if p == q:
                    n = copy_part(bufA, n, rt, r, pu, pu + a)
            if intra_try(prob, sol, pen, r, bufA, L, base):
                return True
    # swap u and v
    i, j = (pu, pv) if pu < pv else (pv, pu)
    ci, cj = rt[r, i], rt[r, j]
    pi, ni, pj, nj = node_at(sol, r, i - 1), node_at(sol, r, i + 1), node_at(sol, r, j - 1), node_at(sol, r, j + 1)
    if j == i + 1:
        dd = D[pi, cj] + D[cj, ci] + D[ci, nj] - D[pi, ci] - D[ci, cj] - D[cj, nj]
    else:
        dd = (D[pi, cj] + D[cj, ni] + D[pj, ci] + D[ci, nj]
              - D[pi, ci] - D[ci, ni] - D[pj, cj] - D[cj, nj])
    if dd < room:
        for p in range(L):
            bufA[p] = rt[r, p]
        bufA[pu] = v
        bufA[pv] = u
        if intra_try(prob, sol, pen, r, bufA, L, base):
            return True
    # 2-opt: reverse the part between them so that the smaller one is followed by the other
    dd = D[ci, cj] + D[ni, nj] - D[ci, ni] - D[cj, nj]
    if not prob[7][2]:
        for k in range(i + 1, j):
            dd += D[rt[r, k + 1], rt[r, k]] - D[rt[r, k], rt[r, k + 1]]
    if j > i + 1 and dd < room:
        for p in range(L):
            bufA[p] = rt[r, p]
        for k in range(j - i):
            bufA[i + 1 + k] = rt[r, j - k]
        if intra_try(prob, sol, pen, r, bufA, L, base):
            return True
    return False


@njit(cache=True, _nrt=False)
def inter_moves(prob, sol, pen, u, v, bufA, bufB):
    pos, route = sol[3], sol[2]
    ru, rv = route[u], route[v]
    pu, pv = pos[u], pos[v]
    base = route_cost(prob, sol, ru, pen) + route_cost(prob, sol, rv, pen)
    # relocate / or-opt of 1-3 clients after v and before v
    for a in range(1, 4):
        if exchange(prob, sol, pen, ru, pu, a, rv, pv + 1, 0, base, bufA, bufB):
            return True
        if exchange(prob, sol, pen, ru, pu, a, rv, pv, 0, base, bufA, bufB):
            return True
    # swaps (1,1), (2,1), (1,2), (2,2), (3,1), (3,2), (3,3): small cross-exchanges
    for a in range(1, 4):
        for b in range(1, a + 1):
            if exchange(prob, sol, pen, ru, pu, a, rv, pv, b, base, bufA, bufB):
                return True
            if a != b and exchange(prob, sol, pen, ru, pu, b, rv, pv, a, base, bufA, bufB):
                return True
    # 2-opt*: u followed by v's successor, or u's predecessor followed by v
    if two_opt_star(prob, sol, pen, ru, pu, rv, pv, base, bufA, bufB):
        return True
    if two_opt_star(prob, sol, pen, ru, pu - 1, rv, pv - 1, base, bufA, bufB):
        return True
    return False


@njit(cache=True, _nrt=False)
def top3(prob, sol, c, r, side, i):
    """The three cheapest places (by distance) to insert ``c`` into route ``r``: positions
    0..len (before that client) and their costs, into ``spos[side, i]``/``scost[side, i]``."""
    D = prob[0]
    P, C = sol[15], sol[16]
    for k in range(3):
        P[side, i, k] = -1
        C[side, i, k] = np.inf
    for p in range(sol[1][r] + 1):
        a, b = node_at(sol, r, p - 1), node_at(sol, r, p)
        d = float(D[a, c] + D[c, b] - D[a, b])
        if d < C[side, i, 2]:
            k = 2
            while k > 0 and d < C[side, i, k - 1]:
                P[side, i, k] = P[side, i, k - 1]
                C[side, i, k] = C[side, i, k - 1]
                k -= 1
            P[side, i, k] = p
            C[side, i, k] = d


@njit(cache=True, inline="always")
def best_place(sol, side, j, i, D, a, c, b):
    """Cheapest place for the client ``j`` of one route in the other route once its client at
    ``i`` (between ``a`` and ``b``) leaves: in that client's place, or one of its three cheapest
    positions not next to it. Returns (cost, position; ``i`` means in its place)."""
    best = float(D[a, c] + D[c, b] - D[a, b])
    at = i
    for k in range(3):
        p = sol[15][side, j, k]
        if p < 0:
            break
        if p != i and p != i + 1:
            if sol[16][side, j, k] < best:
                best = sol[16][side, j, k]
                at = p
            break
    return best, at


@njit(cache=True, inline="always")
def swapped(sol, buf, r, i, c, at):
    """Route ``r`` without its client at ``i`` and with ``c`` at ``at`` (``i``: in its place)."""
    n = 0
    L = sol[1][r]
    for p in range(L):
        if p == at and at != i:
            buf[n] = c
            n += 1
        if p == i:
            if at == i:
                buf[n] = c
                n += 1
            continue
        buf[n] = sol[0][r, p]
        n += 1
    if at == L:
        buf[n] = c
        n += 1
    return n


@njit(cache=True, _nrt=False)
def swap_star_pair(prob, sol, pen, r1, r2, bufA, bufB):
    """SWAP* (Vidal 2022): exchange a client u of ``r1`` with a client v of ``r2``, each going to
    its cheapest place in the other route (not necessarily the other's place). The best pair by
    distance and capacity penalty is then priced exactly (every feature of the slots) and
    applied if the two routes get cheaper."""
    rt, rlen, rinfo = sol[0], sol[1], sol[6]
    D, dem = prob[0], prob[5]
    L1, L2 = rlen[r1], rlen[r2]
    for i in range(L1):
        top3(prob, sol, rt[r1, i], r2, 0, i)
    for j in range(L2):
        top3(prob, sol, rt[r2, j], r1, 1, j)
    load1, load2 = rinfo[r1, 1], rinfo[r2, 1]
    old = pen[0] * (excess(prob, sol, load1, r1) + excess(prob, sol, load2, r2))
    best = -EPS
    bi = bj = bu = bv = -1
    for i in range(L1):
        u = rt[r1, i]
        pu, nu = node_at(sol, r1, i - 1), node_at(sol, r1, i + 1)
        gu = float(D[pu, nu] - D[pu, u] - D[u, nu])
        for j in range(L2):
            v = rt[r2, j]
            pv, nv = node_at(sol, r2, j - 1), node_at(sol, r2, j + 1)
            gv = float(D[pv, nv] - D[pv, v] - D[v, nv])
            dpen = pen[0] * (excess(prob, sol, load1 - dem[u] + dem[v], r1)
                             + excess(prob, sol, load2 - dem[v] + dem[u], r2)) - old
            if gu + gv + dpen >= best:      # the insertions cost at least 0 on metric distances
                continue
            iv, atv = best_place(sol, 1, j, i, D, pu, v, nu)
            iu, atu = best_place(sol, 0, i, j, D, pv, u, nv)
            delta = gu + gv + iv + iu + dpen
            if delta < best:
                best, bi, bj, bv, bu = delta, i, j, atv, atu
    if bi < 0:
        return False
    u, v = rt[r1, bi], rt[r2, bj]
    na = swapped(sol, bufA, r1, bi, v, bv)
    nb = swapped(sol, bufB, r2, bj, u, bu)
    base = route_cost(prob, sol, r1, pen) + route_cost(prob, sol, r2, pen)
    if walk_cost(prob, sol, bufA, na, pen, r1) + walk_cost(prob, sol, bufB, nb, pen, r2) >= base - EPS:
        return False
    set_route(prob, sol, r1, bufA, na)
    set_route(prob, sol, r2, bufB, nb)
    return True


@njit(cache=True, _nrt=False)
def served_by(prob, sol, r, o, pen):
    """Penalised cost of route ``r``'s visits driven by slot ``o`` instead: its depots, capacity,
    fixed cost, duration limit and service costs."""
    st = pre(prob, sol, o, -1)
    for i in range(sol[1][r]):
        st = app(prob, st, sol[0][r, i])
    return fin_in(prob, sol, st, r, 1 << 60, o, pen)


@njit(cache=True, _nrt=False)
def swap_routes(prob, sol, pen, bufA, bufB):
    """Two vehicles of different types trade their whole routes where that is cheaper (a mid-size
    vehicle overloaded by one heavy client, a large one carrying a light route); True if applied.
    Client moves cannot do this: each half of the trade alone overloads a route."""
    rt, rlen, rd = sol[0], sol[1], sol[14]
    R = rlen.size
    improved = False
    for r1 in range(R):
        if rlen[r1] == 0:
            continue
        for r2 in range(r1 + 1, R):
            if rlen[r2] == 0 or rd[r2, 5] == rd[r1, 5]:
                continue
            base = route_cost(prob, sol, r1, pen) + route_cost(prob, sol, r2, pen)
            if rd[r1, 0] == rd[r2, 0] and rd[r1, 1] == rd[r2, 1] and not prob[7][7] and \
                    (not prob[7][1] or rd[r1, 4] == rd[r2, 4]):
                # same depots, no service costs, same duration limit: distance and time warp
                # stay, only capacities and fixed costs change
                new = route_cost_in(prob, sol, r1, r2, pen) + route_cost_in(prob, sol, r2, r1, pen)
            else:
                new = served_by(prob, sol, r1, r2, pen) + served_by(prob, sol, r2, r1, pen)
            if new >= base - EPS:
                continue
            na = copy_part(bufA, 0, rt, r2, 0, rlen[r2])
            nb = copy_part(bufB, 0, rt, r1, 0, rlen[r1])
            set_route(prob, sol, r1, bufA, na)
            set_route(prob, sol, r2, bufB, nb)
            improved = True
    return improved


@njit(cache=True, _nrt=False)
def swap_star(prob, sol, pen, bufA, bufB):
    """One SWAP* pass over the pairs of routes that hold neighbouring clients (among each
    client's five nearest) and changed since last tried; True if a swap was applied."""
    rt, rlen, route, last_mod, ctr = sol[0], sol[1], sol[2], sol[7], sol[13]
    neigh = prob[6]
    stamp, tested = sol[17], sol[18]
    R = rlen.size
    improved = False
    for r1 in range(R):
        if rlen[r1] == 0:
            continue
        lt = tested[r1]
        tested[r1] = ctr[0]
        stamp[R] += 1
        token = stamp[R]
        done = False
        for i in range(rlen[r1]):
            u = rt[r1, i]
            for k in range(min(5, neigh.shape[1])):
                r2 = route[neigh[u, k]]
                if r2 < 0 or r2 == r1 or stamp[r2] == token:
                    continue
                stamp[r2] = token
                if last_mod[r1] <= lt and last_mod[r2] <= lt:
                    continue
                if swap_star_pair(prob, sol, pen, r1, r2, bufA, bufB):
                    improved = True
                    done = True
                    break
            if done:
                break
    return improved


@njit(cache=True, _nrt=False)
def find_empty(sol, after):
    """First empty slot after slot ``after`` of another vehicle type (-1: none); slots are grouped
    by type, so successive calls from -1 visit one empty slot of each type."""
    rlen, rd = sol[1], sol[14]
    typ = -1 if after < 0 else rd[after, 5]
    for r in range(after + 1, rlen.size):
        if rlen[r] == 0 and rd[r, 5] != typ:
            return r
    return -1


@njit(cache=True, _nrt=False)
def local_search(prob, sol, pen, order, bufA, bufB):
    neigh = prob[6]
    route, last_mod, last_tested, ctr = sol[2], sol[7], sol[8], sol[13]
    improved = True
    while improved:
        improved = False
        for idx in range(order.size):
            u = order[idx]
            lt = last_tested[u]
            if route[u] < 0:            # an optional client left out: in, if a route near it changed
                if prob[7][8] and prob[9][u] >= 0:
                    last_tested[u] = ctr[0]
                    for k in range(neigh.shape[1]):
                        rv = route[neigh[u, k]]
                        if rv >= 0 and last_mod[rv] > lt:
                            if insert_client(prob, sol, pen, u, 0.0, bufA):
                                improved = True
                            break
                continue
            last_tested[u] = ctr[0]
            if prob[7][8] and prob[9][u] >= 0 and last_mod[route[u]] > lt and \
                    drop_if_better(prob, sol, pen, u, bufA):
                improved = True
                continue
            for k in range(neigh.shape[1]):
                v = neigh[u, k]
                ru, rv = route[u], route[v]
                if v == u or rv < 0 or (last_mod[ru] <= lt and last_mod[rv] <= lt):
                    continue
                if ru == rv:
                    done = intra_moves(prob, sol, pen, u, v, bufA)
                else:
                    done = inter_moves(prob, sol, pen, u, v, bufA, bufB)
                if done:
                    improved = True
            e = find_empty(sol, -1)
            while e >= 0:
                ru = route[u]
                if last_mod[ru] > lt or last_mod[e] > lt:
                    pu = sol[3][u]
                    base = route_cost(prob, sol, ru, pen)
                    if exchange(prob, sol, pen, ru, pu, 1, e, 0, 0, base, bufA, bufB):
                        improved = True
                        break
                    if two_opt_star(prob, sol, pen, ru, sol[3][u], e, -1, base, bufA, bufB):
                        improved = True
                        break
                    if prob[7][4] > 1 and two_opt_star(prob, sol, pen, e, -1, ru, sol[3][u] - 1,
                                                       base, bufA, bufB):
                        improved = True      # u and its tail move to another type
                        break
                if prob[7][4] == 1:
                    break
                e = find_empty(sol, e)
        if not improved and prob[7][4] > 1 and swap_routes(prob, sol, pen, bufA, bufB):
            improved = True
        if not improved and prob[7][10] and swap_star(prob, sol, pen, bufA, bufB):
            improved = True


# ----------------------------------------------------------------------------- ruin and recreate
@njit(cache=True, _nrt=False)
def insert_client(prob, sol, pen, c, blink, bufA):
    """Cheapest (penalised) insertion of ``c`` next to one of its neighbours or in an empty route;
    an optional client stays out when the cheapest insertion costs its prize or more. Returns
    whether ``c`` was inserted."""
    rt, rlen, route, pos = sol[0], sol[1], sol[2], sol[3]
    neigh = prob[6]
    best = np.inf
    br = -1
    bp = -1
    for k in range(neigh.shape[1]):
        w = neigh[c, k]
        r = route[w]
        if r < 0:
            continue
        base = route_cost(prob, sol, r, pen)
        for p in (pos[w], pos[w] + 1):
            if blink > 0.0 and np.random.random() < blink:
                continue
            d = fin(prob, sol, app(prob, pre(prob, sol, r, p - 1), c), r, p, pen) - base
            if d < best:
                best, br, bp = d, r, p
    e = find_empty(sol, -1)
    while e >= 0:
        d = fin(prob, sol, app(prob, pre(prob, sol, e, -1), c), e, 0, pen)
        if d < best:
            best, br, bp = d, e, 0
        if prob[7][4] == 1:
            break
        e = find_empty(sol, e)
    if br < 0:              # every neighbour is unrouted: try all positions of all routes
        for r in range(rlen.size):
            base = route_cost(prob, sol, r, pen)
            for p in range(rlen[r] + 1):
                d = fin(prob, sol, app(prob, pre(prob, sol, r, p - 1), c), r, p, pen) - base
                if d < best:
                    best, br, bp = d, r, p
    if prob[7][8] and prob[9][c] >= 0 and best >= prob[9][c] - EPS:
        route[c] = -1
        return False
    n = copy_part(bufA, 0, rt, br, 0, bp)
    bufA[n] = c
    n = copy_part(bufA, n + 1, rt, br, bp, rlen[br])
    set_route(prob, sol, br, bufA, n)
    return True


@njit(cache=True, _nrt=False)
def drop_if_better(prob, sol, pen, u, bufA):
    """Take optional client ``u`` out of its route when the saving exceeds its prize."""
    r, pu = sol[2][u], sol[3][u]
    base = route_cost(prob, sol, r, pen)
    if fin(prob, sol, pre(prob, sol, r, pu - 1), r, pu + 1, pen) + prob[9][u] >= base - EPS:
        return False
    n = copy_part(bufA, 0, sol[0], r, 0, pu)
    n = copy_part(bufA, n, sol[0], r, pu + 1, sol[1][r])
    set_route(prob, sol, r, bufA, n)
    sol[2][u] = -1
    return True


@njit(cache=True, _nrt=False)
def insert_all(prob, sol, pen, clients, bufA):
    for c in clients:
        insert_client(prob, sol, pen, c, 0.0, bufA)


@njit(cache=True, _nrt=False)
def ruin(prob, sol, removed, ruined, rem):
    """SISR-style string removal around a random client; returns how many clients were removed."""
    rt, rlen, route, pos = sol[0], sol[1], sol[2], sol[3]
    neigh = prob[6]
    n = route.size
    R = rlen.size
    used = 0
    for r in range(R):
        if rlen[r] > 0:
            used += 1
    nd = prob[7][3]
    ncl = n - nd
    avg = ncl / max(used, 1)
    lmax = min(10.0, avg)
    ksmax = 4.0 * 10.0 / (1.0 + lmax) - 1.0
    ks = int(np.random.random() * max(ksmax, 1.0)) + 1
    seed = nd + np.random.randint(ncl)
    nrem = 0
    strings = 0
    for k in range(-1, neigh.shape[1]):
        if strings >= ks:
            break
        w = seed if k < 0 else neigh[seed, k]
        r = route[w]
        if r < 0 and not removed[w] and prob[7][8] and prob[9][w] >= 0:
            removed[w] = True       # an optional client left out: the recreate reconsiders it
            rem[nrem] = w
            nrem += 1
            continue
        if removed[w] or r < 0 or (ruined[r] and R > 1):
            continue
        L = rlen[r]
        top = min(int(lmax), L)
        ln = 1 + np.random.randint(max(top, 1))
        start = pos[w] - np.random.randint(ln)
        if start < 0:
            start = 0
        if start + ln > L:
            start = L - ln
        for p in range(start, start + ln):
            c = rt[r, p]
            if not removed[c]:
                removed[c] = True
                rem[nrem] = c
                nrem += 1
        ruined[r] = True
        strings += 1
    return nrem


@njit(cache=True, _nrt=False)
def total(prob, sol, pen):
    """Penalised cost, cost (distance, service costs, fixed costs and prizes missed), capacity
    excess (plus one per client served in a forbidden zone) and time warp."""
    rinfo, rlen, rd = sol[6], sol[1], sol[14]
    c = 0.0
    dist = 0
    exc = 0
    warp = 0
    zones = prob[7][9]
    for r in range(rinfo.shape[0]):
        if rlen[r] == 0:
            continue
        x = excess(prob, sol, rinfo[r, 1], r)
        c += pcost(rinfo[r, 0], x, rinfo[r, 2], pen) + rd[r, 3]
        dist += rinfo[r, 0] + rd[r, 3]
        exc += x
        warp += rinfo[r, 2]
        if zones > 0:
            for i in range(rlen[r]):
                if prob[8][rd[r, 5], sol[0][r, i]] >= zones:
                    exc += 1
    if prob[7][8]:
        route = sol[2]
        for u in range(prob[7][3], route.size):
            if route[u] < 0 and prob[9][u] >= 0:
                c += prob[9][u]
                dist += prob[9][u]
    return c, dist, exc, warp


@njit(cache=True, _nrt=False)
def mark_infeasible(prob, sol):
    """Stamp infeasible routes as changed so a search with new penalties looks at them again."""
    rinfo, last_mod, ctr = sol[6], sol[7], sol[13]
    for r in range(rinfo.shape[0]):
        if excess(prob, sol, rinfo[r, 1], r) > 0 or rinfo[r, 2] > 0:
            ctr[0] += 1
            last_mod[r] = ctr[0]


@njit(cache=True, _nrt=False)
def shuffle(a):
    for i in range(a.size - 1, 0, -1):
        j = np.random.randint(i + 1)
        a[i], a[j] = a[j], a[i]


@njit(cache=True, _nrt=False)
def save_flat(sol, flat):
    rt, rlen = sol[0], sol[1]
    n = 0
    for r in range(rlen.size):
        flat[n] = rlen[r]
        n += 1
        for i in range(rlen[r]):
            flat[n] = rt[r, i]
            n += 1


@njit(cache=True)
def seed_rng(seed):
    np.random.seed(seed)


@njit(cache=True)
def ils_chunk(prob, sol, pen, order, bufA, bufB, removed, ruined, rem, keys, best_flat,
              state_f, state_i, n_iter, temp, fleet_limited):
    """``n_iter`` ruin-and-recreate steps; state_f = [current cost, best distance],
    state_i = [iterations, feasible-capacity count, feasible-time count, steps since penalty update,
    steps whose search ended infeasible and needed the repair, 1 while the best answer is a
    packing the search has not yet matched with a feasible step of its own]."""
    D = prob[0]
    dem = prob[5]
    route, rlen, ctr = sol[2], sol[1], sol[13]
    for _ in range(n_iter):
        state_i[0] += 1
        ctr[2] = 1
        nrem = ruin(prob, sol, removed, ruined, rem)
        # rebuild ruined routes without the removed clients
        for r in range(rlen.size):
            if ruined[r]:
                n = 0
                for i in range(rlen[r]):
                    c = sol[0][r, i]
                    if not removed[c]:
                        bufA[n] = c
                        n += 1
                set_route(prob, sol, r, bufA, n)
                ruined[r] = False
        for i in range(nrem):
            route[rem[i]] = -1
        how = np.random.randint(11)
        for i in range(nrem):
            c = rem[i]
            if how < 4:
                keys[i] = np.random.random()
            elif how < 8:
                keys[i] = -float(dem[c])
            elif how < 10:
                keys[i] = -float(D[0, c])
            else:
                keys[i] = float(D[0, c])
        idx = np.argsort(keys[:nrem])
        for i in range(nrem):
            c = rem[idx[i]]
            insert_client(prob, sol, pen, c, 0.01, bufA)
            removed[c] = False
        shuffle(order)
        local_search(prob, sol, pen, order, bufA, bufB)
        c, dist, excess, warp = total(prob, sol, pen)
        if excess == 0:
            state_i[1] += 1
        if warp == 0:
            state_i[2] += 1
        state_i[3] += 1
        if excess or warp:
            state_i[4] += 1
        for mult in (10.0, 100.0):     # repair: the same search with much higher penalties
            if excess == 0 and warp == 0:
                break
            mark_infeasible(prob, sol)
            pen[0] *= mult
            pen[1] *= mult
            local_search(prob, sol, pen, order, bufA, bufB)
            pen[0] /= mult
            pen[1] /= mult
            c, dist, excess, warp = total(prob, sol, pen)
        feasible = excess == 0 and warp == 0
        if feasible:
            state_i[5] = 0
        if feasible and dist < state_f[1]:
            state_f[1] = dist
            save_flat(sol, best_flat)
        if c < state_f[0] - temp * np.log(np.random.random() + 1e-300):
            state_f[0] = c
            commit(sol)
        else:
            restore(prob, sol)
        ctr[2] = 0
        # nothing feasible yet (or only a packing) and ten steps in a row over capacity (or late):
        # raise that penalty now, not after fifty (on a tight fleet the search otherwise spent
        # thousands of steps repairing before it found its first feasible answer)
        hurry = state_i[3] >= 10 and (state_i[1] == 0 or state_i[2] == 0) and \
            (state_f[1] == np.inf or state_i[5] == 1)
        if state_i[3] >= 50 or hurry:
            if state_i[3] >= 50:
                target = 0.45
                fc = state_i[1] / state_i[3]
                ft = state_i[2] / state_i[3]
                if fc < target - 0.05:
                    pen[0] = min(pen[0] * 1.25, 1e6)
                elif fc > target + 0.05:
                    pen[0] = max(pen[0] * 0.85, 0.01)
                if ft < target - 0.05:
                    pen[1] = min(pen[1] * 1.25, 1e6)
                elif ft > target + 0.05:
                    pen[1] = max(pen[1] * 0.85, 0.01)
            else:
                if state_i[1] == 0:
                    pen[0] = min(pen[0] * 1.5, 1e6)
                if state_i[2] == 0:
                    pen[1] = min(pen[1] * 1.5, 1e6)
            state_i[1] = 0
            state_i[2] = 0
            state_i[3] = 0
            state_f[0] = total(prob, sol, pen)[0]


# ----------------------------------------------------------------------------- construction
@njit(cache=True)
def route_ok(prob, seq, L):
    """Capacity and time windows of the route ``seq[:L]`` are respected."""
    load = 0
    for i in range(L):
        load += prob[5][seq[i]]
    if load > prob[7][0]:
        return False
    if not prob[7][1]:
        return True
    st = (0, 0, 0, 0, prob[3][0], prob[4][0], 0, 0)
    for i in range(L):
        st = app(prob, st, seq[i])
    dur, tw, e, lt, last = st[2], st[3], st[4], st[5], st[6]
    return merge(dur, tw, e, lt, last, 0, 0, prob[3][0], prob[4][0], 0, prob[1])[1] == 0


@njit(cache=True)
def savings(prob, pi, pj, flat):
    """Clarke-Wright parallel savings over the pairs (pi, pj), given in decreasing saving order."""
    n = prob[0].shape[0]
    nxt = np.full(n, -1, np.int64)
    first = np.arange(n)
    last = np.arange(n)
    rof = np.arange(n)
    load = prob[5].copy()
    seq = np.empty(n, np.int64)
    cap = prob[7][0]
    for k in range(pi.size):
        i, j = pi[k], pj[k]
        a, b = rof[i], rof[j]
        if a == b or last[a] != i or first[b] != j or load[a] + load[b] > cap:
            continue
        if prob[7][1]:
            L = 0
            c = first[a]
            while c >= 0:
                seq[L] = c
                L += 1
                c = nxt[c]
            c = j
            while c >= 0:
                seq[L] = c
                L += 1
                c = nxt[c]
            if not route_ok(prob, seq, L):
                continue
        nxt[i] = j
        c = j
        while c >= 0:
            rof[c] = a
            c = nxt[c]
        last[a] = last[b]
        load[a] += load[b]
    m = 0
    for c in range(1, n):
        if rof[c] == c:
            L = 0
            d = c
            while d >= 0:
                seq[L] = d
                L += 1
                d = nxt[d]
            flat[m] = L
            m += 1
            for i in range(L):
                flat[m] = seq[i]
                m += 1
    return m
