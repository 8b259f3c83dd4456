# SPDX-License-Identifier: MIT
"""Which process of a distributed job this is: the global rank, for ``SummaryWriter(ranks=...)``.

Every launcher says it its own way. In order:

1. an initialized ``torch.distributed`` process group (``torch.distributed.get_rank()``): looked
   up in ``sys.modules`` only, never imported (a job that uses it has imported it; importing
   torch here would cost seconds and is against the house rule);
2. the environment: ``RANK`` (``torchrun``, ``torch.distributed.launch``, Accelerate, DeepSpeed,
   Lightning), ``SLURM_PROCID`` (``srun``), ``OMPI_COMM_WORLD_RANK`` (Open MPI's ``mpirun``),
   ``PMI_RANK`` (MPICH, Intel MPI);
3. none of them: rank 0, a single process.

A variable that is set but is not a whole number >= 0 raises ``ValueError`` naming it: a
wrong rank would silently make every process write (or none).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Mapping, Optional

__all__ = ["RANK_VARIABLES", "RANKS", "global_rank", "check_ranks"]

RANK_VARIABLES = ("RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK")
# SummaryWriter's ``ranks``: every process writes where told (PyTorch's behaviour), only the
# global rank 0 writes, or each rank writes to <log_dir>/rank_<N>
RANKS = ("all", "zero", "each")


def check_ranks(ranks: object) -> str:
    """``ranks`` if it is one of :data:`RANKS`, else ``TypeError``/``ValueError`` naming it."""
    if not isinstance(ranks, str):
        raise TypeError("ranks must be a str, one of %s, not %s" % (RANKS, type(ranks).__name__))
    if ranks not in RANKS:
        raise ValueError("ranks must be one of %s, not %r" % (RANKS, ranks))
    return ranks


def global_rank(environ: Optional[Mapping[str, str]] = None) -> int:
    """This process's global rank (module docstring): ``torch.distributed`` when it is
    initialized, else the first of :data:`RANK_VARIABLES` that is set, else 0.

    Args:
        environ: the environment to read (default ``os.environ``).
    """
    rank = _torch_rank()
    if rank is not None:
        return rank
    env = os.environ if environ is None else environ
    for name in RANK_VARIABLES:
        text = env.get(name)
        if text is None or not text.strip():
            continue
        try:
            rank = int(text.strip())
        except ValueError:
            rank = -1
        if rank < 0:
            raise ValueError(
                "the environment variable %s=%r is not a rank (a whole number >= 0)" % (name, text)
            )
        return rank
    return 0


def _torch_rank() -> Optional[int]:
    dist = sys.modules.get("torch.distributed")
    if dist is None:
        return None
    try:
        if dist.is_available() and dist.is_initialized():
            return int(dist.get_rank())
    except (AttributeError, RuntimeError, TypeError, ValueError):
        pass  # a partly imported or stubbed module: fall back to the environment
    return None
