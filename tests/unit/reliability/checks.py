"""Checks shared by the fault tests: open sockets and secrets in tracebacks."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

from tests.helpers import SECRET

# TCP states in /proc/net/tcp that still hold the client's end open: a socket the
# client forgot is ESTABLISHED, or CLOSE_WAIT once the server hung up.
_OPEN_STATES = {"01", "08"}


def open_client_sockets(server_port: int) -> int:
    """Sockets this process holds open towards ``server_port`` on 127.0.0.1.

    Counted from the kernel's table, not from the pool's own statistics, so a
    connection the pool lost track of is counted too.
    """
    inodes = set()
    for fd in Path(f"/proc/{os.getpid()}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote, state, inode = fields[2], fields[3], fields[9]
        if int(remote.split(":")[1], 16) == server_port and state in _OPEN_STATES:
            count += inode in inodes
    return count


def assert_secret_absent(error: BaseException) -> None:
    """The key is in neither the message nor any frame of the chained traceback."""
    text = "".join(traceback.format_exception(error))
    assert SECRET not in text
    assert SECRET not in repr(error)
    for arg in error.args:
        assert SECRET not in str(arg)
