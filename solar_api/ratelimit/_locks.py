"""The limiters' process-wide locks, made afresh in a forked child.

Read them as ``_locks.CREATION_LOCK`` at the time of use, never ``from ... import``: a
fork replaces them.
"""

from __future__ import annotations

import os
import threading

# Imports and storage creation (may connect: Redis Cluster reads its topology).
CREATION_LOCK = threading.RLock()
# The limiters' outage and warning bookkeeping; held for a few assignments only, never
# across I/O.
STATE_LOCK = threading.Lock()


def _fresh_locks() -> None:
    # A lock held by another thread at fork() would stay held in the child forever.
    global CREATION_LOCK, STATE_LOCK
    CREATION_LOCK = threading.RLock()
    STATE_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_locks)
