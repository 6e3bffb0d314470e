"""Supervised training of an attention policy on teacher answers (teacher forcing), in Lightning.

The policy is rl4co's (the same network the RL models train, so the POMO solver loads its
checkpoint and decodes it with multi-start and x8 augmentation); its loss is the mean negative
log-likelihood per step of the teacher's action sequence. Each epoch sees every labelled
instance once, each time under a random transformation that keeps its label valid:

- one of the 8 symmetries of the unit square (distances unchanged);
- the routes in a random order, and for CVRP each route in a random direction (a route's cost is
  the same both ways; VRPTW routes keep their direction, the time windows fix it);
- a TSP tour from a random city and in a random direction.

Validation decodes the held-out labelled instances greedily and logs ``val/reward`` (mean
normalised reward, as the RL models log it, so the best checkpoint is chosen alike),
``val/gap`` (per cent above the teacher's answers, both scored by the environment) and
``val/nll``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import lightning as L
from tensordict import TensorDict

from .teacher import Labelled


def _dihedral(xy: np.ndarray, k: int) -> np.ndarray:
    """The ``k``-th of the 8 symmetries of the unit square applied to points ``[..., 2]``."""
    x, y = xy[..., 0], xy[..., 1]
    if k & 1:
        x = 1.0 - x
    if k & 2:
        y = 1.0 - y
    out = np.stack([x, y], -1)
    return out[..., ::-1].copy() if k & 4 else out


def augment_actions(kind: str, actions: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """Another action sequence for the same answer (see the module text), padded as ``actions``."""
    a = actions[:length]
    out = np.zeros_like(actions)
    if kind == "tsp":
        tour = np.roll(a, -int(rng.integers(len(a))))
        if rng.random() < 0.5:
            tour = np.concatenate([tour[:1], tour[1:][::-1]])
        out[:len(tour)] = tour
        return out
    routes = np.split(a, np.flatnonzero(a == 0) + 1)
    routes = [r[:-1] if len(r) and r[-1] == 0 else r for r in routes]
    routes = [r for r in routes if len(r)]
    order = rng.permutation(len(routes))
    seq: list[int] = []
    for i in order:
        r = routes[i]
        if kind == "cvrp" and rng.random() < 0.5:
            r = r[::-1]
        seq.extend(int(c) for c in r)
        seq.append(0)
    out[:len(seq)] = seq
    return out


class LabelledSet(torch.utils.data.Dataset):
    """A labelled split; with ``rng`` every item comes out under a random valid transformation."""

    def __init__(self, data: Labelled, kind: str, rng: np.random.Generator | None = None):
        self.data, self.kind, self.rng = data, kind, rng

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int) -> dict[str, np.ndarray]:
        d = self.data
        item = {k: v[i] for k, v in d.fields.items()}
        actions = d.actions[i]
        if self.rng is not None:
            k = int(self.rng.integers(8))
            for key in ("locs", "depot"):
                if key in item:
                    item[key] = _dihedral(item[key], k)
            actions = augment_actions(self.kind, actions, int(d.lengths[i]), self.rng)
        item["actions"] = actions
        item["cost"] = np.float64(d.cost[i])
        return item


def collate(items: list[dict[str, np.ndarray]]) -> dict[str, Any]:
    fields = {k: torch.as_tensor(np.stack([it[k] for it in items]), dtype=torch.float32)
              for k in items[0] if k not in ("actions", "cost")}
    return {"td": TensorDict(fields, batch_size=[len(items)]),
            "actions": torch.as_tensor(np.stack([it["actions"] for it in items]), dtype=torch.long)}


class Imitation(L.LightningModule):
    """Teacher forcing of ``policy`` in ``env`` on the labelled ``train`` split."""

    def __init__(self, env: Any, policy: torch.nn.Module, kind: str, train: Labelled, val: Labelled, *,
                 batch_size: int, lr: float, seed: int = 0):
        super().__init__()
        self.env, self.policy, self.kind = env, policy, kind
        self.train_set, self.val_set = train, val
        self.batch_size, self.lr, self.seed = batch_size, lr, seed

    def _steps(self, batch: dict[str, Any]) -> tuple[TensorDict, torch.Tensor]:
        td = self.env.reset(batch["td"].to(self.device))
        return td, batch["actions"].to(self.device)

    def _nll(self, td: TensorDict, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.policy(td.clone(), self.env, phase="train", actions=actions, calc_reward=True,
                          return_actions=False, return_sum_log_likelihood=False)
        ll = out["log_likelihood"]                          # [batch, steps]: 0 once an instance is done
        steps = (ll != 0).sum(1).clamp(min=1)
        return -(ll.sum(1) / steps).mean(), out["reward"]

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        td, actions = self._steps(batch)
        loss, _ = self._nll(td, actions)
        self.log("train/loss", loss, prog_bar=True, batch_size=len(actions))
        return loss

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        td, actions = self._steps(batch)
        nll, teacher = self._nll(td, actions)
        greedy = self.policy(td.clone(), self.env, phase="val", decode_type="greedy", calc_reward=True,
                             return_actions=False)["reward"]
        gap = 100.0 * (greedy / teacher - 1.0)           # rewards are negative lengths
        b = len(actions)
        self.log("val/reward", greedy.mean(), prog_bar=True, batch_size=b, sync_dist=True)
        self.log("val/gap", gap.mean(), prog_bar=True, batch_size=b, sync_dist=True)
        self.log("val/nll", nll, batch_size=b, sync_dist=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.policy.parameters(), lr=self.lr, weight_decay=1e-6)

    def train_dataloader(self):
        rng = np.random.default_rng([self.seed, 3, int(self.current_epoch)])
        return torch.utils.data.DataLoader(LabelledSet(self.train_set, self.kind, rng), batch_size=self.batch_size,
                                           shuffle=True, collate_fn=collate, num_workers=0)

    def val_dataloader(self):
        return torch.utils.data.DataLoader(LabelledSet(self.val_set, self.kind), batch_size=self.batch_size,
                                           shuffle=False, collate_fn=collate, num_workers=0)


__all__ = ["Imitation", "LabelledSet", "augment_actions", "collate"]
