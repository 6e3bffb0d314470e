"""The neural models: rl4co's Attention Model, POMO, Sym-NCO and MatNet, built the same way for
training and for loading a checkpoint.

A model is fully described by ``(kind, model, policy_kwargs)``; checkpoints store exactly these
(see :mod:`.checkpoints`), so :func:`build_policy` rebuilds the network a checkpoint's weights
belong to without unpickling anything.

==========  ==============================  =====================================================
model       problems                        training
==========  ==============================  =====================================================
``am``      tsp, cvrp, vrptw                REINFORCE, greedy-rollout baseline (Kool et al. 2019)
``pomo``    tsp, cvrp, vrptw                REINFORCE, shared multi-start baseline (Kwon et al. 2020)
``symnco``  tsp, cvrp, vrptw                REINFORCE, symmetric augmentations (Kim et al. 2022)
``matnet``  atsp, acvrp (matrix input)      POMO training over a MatNet encoder (Kwon et al. 2021)
==========  ==============================  =====================================================

Presets size the network: ``tiny`` for tests, ``small`` for CPU training (the shipped
checkpoints), ``base`` the papers' sizes for GPU training.
"""

from __future__ import annotations

from typing import Any

from ..errors import UnsupportedError
from .convert import ENV_NAMES

MODEL_KINDS: dict[str, tuple[str, ...]] = {
    "am": ("tsp", "cvrp", "vrptw"),
    "pomo": ("tsp", "cvrp", "vrptw"),
    "symnco": ("tsp", "cvrp", "vrptw"),
    "matnet": ("atsp", "acvrp"),
}
MODELS = tuple(MODEL_KINDS)

PRESETS: dict[str, dict[str, Any]] = {
    "tiny": {"embed_dim": 16, "num_encoder_layers": 1, "num_heads": 2, "feedforward_hidden": 32},
    "small": {"embed_dim": 64, "num_encoder_layers": 3, "num_heads": 4, "feedforward_hidden": 256},
    "base": {"embed_dim": 128, "num_encoder_layers": 6, "num_heads": 8, "feedforward_hidden": 512},
}


def check_model(kind: str, model: str) -> None:
    if model not in MODEL_KINDS:
        raise UnsupportedError(f"unknown model '{model}' (choose one of {', '.join(MODELS)})")
    if kind not in MODEL_KINDS[model]:
        raise UnsupportedError(f"model '{model}' solves {', '.join(MODEL_KINDS[model])}, not {kind}; "
                               + ("use model 'matnet' for matrix input" if kind in ("atsp", "acvrp")
                                  else "use am, pomo or symnco"))


def policy_kwargs(kind: str, model: str, preset: str = "small", **overrides: Any) -> dict[str, Any]:
    """Keyword arguments of the policy for ``model`` on ``kind`` at ``preset`` size."""
    check_model(kind, model)
    if preset not in PRESETS:
        raise UnsupportedError(f"unknown preset '{preset}' (choose one of {', '.join(PRESETS)})")
    kw = dict(PRESETS[preset])
    if model == "am" and preset == "base":
        kw["num_encoder_layers"] = 3                     # Kool et al.
    if model == "pomo":
        kw.update(normalization="instance", use_graph_context=False)
    if model == "matnet":
        kw.update(normalization="instance")
        # MatNet's one-hot column embedding needs embed_dim >= nodes; keep room for 100 clients.
        kw["embed_dim"] = max(kw["embed_dim"], 128 if preset != "tiny" else 32)
        kw["num_heads"] = max(kw["num_heads"], 8 if preset != "tiny" else 2)
    kw.update(overrides)
    return kw


def build_policy(kind: str, model: str, kwargs: dict[str, Any]):
    """The policy network (an ``nn.Module``) of ``model`` for ``kind`` with ``kwargs``."""
    check_model(kind, model)
    env_name = ENV_NAMES[kind]
    if model in ("am", "pomo"):
        from rl4co.models.zoo.am import AttentionModelPolicy
        return AttentionModelPolicy(env_name=env_name, **kwargs)
    if model == "symnco":
        from rl4co.models.zoo.symnco import SymNCOPolicy
        return SymNCOPolicy(env_name=env_name, **kwargs)
    if kind == "atsp":
        from rl4co.models.zoo.matnet import MatNetPolicy
        kw = {k: v for k, v in kwargs.items() if k != "feedforward_hidden"}
        return MatNetPolicy(env_name="atsp", **kw)
    return _acvrp_matnet_policy(**kwargs)


def _acvrp_matnet_policy(embed_dim: int = 128, num_encoder_layers: int = 5, num_heads: int = 8,
                         normalization: str = "instance", feedforward_hidden: int = 512, **kw: Any):
    """MatNet for the asymmetric CVRP: a MatNet encoder over the cost matrix and CVRP's decoder
    (current node and remaining capacity as context)."""
    from rl4co.models.common.constructive.autoregressive import AutoregressivePolicy
    from rl4co.models.zoo.matnet.decoder import MatNetDecoder
    from rl4co.models.zoo.matnet.encoder import MatNetEncoder

    from .envs import ACVRPMatNetInit

    encoder = MatNetEncoder(embed_dim=embed_dim, num_heads=num_heads, num_layers=num_encoder_layers,
                            normalization=normalization, feedforward_hidden=feedforward_hidden,
                            init_embedding=ACVRPMatNetInit(embed_dim))
    decoder = MatNetDecoder(env_name="cvrp", embed_dim=embed_dim, num_heads=num_heads,
                            use_graph_context=False)
    return AutoregressivePolicy(encoder=encoder, decoder=decoder, env_name="acvrp",
                                tanh_clipping=10.0, **kw)


def build_model(env: Any, kind: str, model: str, policy: Any, *, batch_size: int, train_size: int,
                val_size: int, lr: float = 1e-4, num_starts: int | None = None, **extra: Any):
    """The Lightning module (rl4co RL algorithm) that trains ``policy`` in ``env``.

    ``num_starts`` (pomo, matnet): rollouts per instance in training, each from another first
    client; default all of them (POMO). Fewer make a step cheaper on a CPU.
    """
    common = dict(batch_size=batch_size, train_data_size=train_size, val_data_size=val_size,
                  test_data_size=val_size, optimizer_kwargs={"lr": lr, "weight_decay": 1e-6}, **extra)
    if model == "am":
        from rl4co.models.zoo.am import AttentionModel
        return AttentionModel(env, policy=policy, baseline="rollout", **common)
    if model == "pomo":
        from rl4co.models.zoo.pomo import POMO
        # validation without the x8 augmentation: 8x cheaper, and inference augments on its own
        return POMO(env, policy=policy, num_augment=1, num_starts=num_starts, **common)
    if model == "symnco":
        from rl4co.models.zoo.symnco import SymNCO
        return SymNCO(env, policy=policy, num_augment=4 if kind != "vrptw" else 2, **common)
    from rl4co.models.zoo.matnet import MatNet
    return MatNet(env, policy=policy, num_starts=num_starts, **common)


def max_nodes(kind: str, model: str, kwargs: dict[str, Any]) -> int | None:
    """The largest instance (rl4co ``num_loc``) the network can take at all, if bounded."""
    if model == "matnet":
        # one-hot column codes: one dimension per node (depot included for acvrp)
        return int(kwargs.get("embed_dim", 256)) - (1 if kind == "acvrp" else 0)
    return None


__all__ = ["MODELS", "MODEL_KINDS", "PRESETS", "check_model", "policy_kwargs", "build_policy",
           "build_model", "max_nodes"]
