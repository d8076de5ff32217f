"""A small TCP proxy on 127.0.0.1, in a thread: one address in front of several servers
(round robin, for load across instances), or in front of PostgreSQL so that a test can
cut the database off and bring it back without touching the machine's own server.

    with TcpProxy([("127.0.0.1", 5432)]) as proxy:   # proxy.port: where clients connect
        ...
        proxy.cut()       # open connections dropped, new ones refused
        proxy.restore()   # the same port accepts again

Standard library only: `make prod-check`, bench/load.py and tests/faults use it.
"""

from __future__ import annotations

import contextlib
import itertools
import select
import socket
import threading
from collections.abc import Sequence
from types import TracebackType

Address = tuple[str, int]
BUFFER = 64 * 1024


class TcpProxy:
    def __init__(self, backends: Sequence[Address], *, port: int = 0) -> None:
        if not backends:
            raise ValueError("a proxy needs at least one backend")
        self.backends = list(backends)
        self._next = itertools.cycle(range(len(self.backends)))
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.port = port
        #: Connections accepted, per backend index: how the load was spread.
        self.accepted = [0] * len(self.backends)

    # Starting and stopping. -------------------------------------------------------------

    def start(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # restore() binds the same port again while old connections linger in TIME_WAIT.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(256)
        self.port = int(listener.getsockname()[1])
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown() wakes the accept() blocked in the thread; close() alone may not.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            pairs, self._pairs = self._pairs, set()
        for pair in pairs:
            for end in pair:
                _close(end)

    def cut(self) -> None:
        """The backend is unreachable: live connections end, new ones are refused."""
        self.stop()

    def restore(self) -> None:
        """Reachable again, on the same port."""
        if self._listener is None:
            self.start()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # The work. --------------------------------------------------------------------------

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            index = next(self._next)
            try:
                upstream = socket.create_connection(self.backends[index], timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            self.accepted[index] += 1
            for end in (client, upstream):
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pair = (client, upstream)
            with self._lock:
                self._pairs.add(pair)
            threading.Thread(target=self._pump, args=(pair,), daemon=True).start()

    def _pump(self, pair: tuple[socket.socket, socket.socket]) -> None:
        client, upstream = pair
        other = {client: upstream, upstream: client}
        try:
            while True:
                readable, _, _ = select.select([client, upstream], [], [], 1.0)
                if self._listener is None and pair not in self._pairs:
                    return  # cut
                for end in readable:
                    data = end.recv(BUFFER)
                    if not data:
                        return
                    other[end].sendall(data)
        except (OSError, ValueError):
            return  # one end closed, or cut() closed both under us
        finally:
            with self._lock:
                self._pairs.discard(pair)
            _close(client)
            _close(upstream)


def _close(end: socket.socket) -> None:
    with contextlib.suppress(OSError):
        end.shutdown(socket.SHUT_RDWR)
    end.close()
