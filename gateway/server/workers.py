"""``gateway serve --workers N``: N processes, each with its own listening socket.

uvicorn's supervisor hands every worker the same socket, and the kernel then
gives new connections to whichever worker wakes first: measured here, one
worker took twice the requests of the other and throughput swung between runs.
With one ``SO_REUSEPORT`` socket per worker, the kernel spreads connections
across workers by hash instead.

``SIGHUP`` to the supervisor reloads the policy: ``pin_policy`` (given by
``gateway serve``) validates the file once and pins every worker to a copy of
that very text, so a file edited again mid-reload, or a worker restarted
after a crash, never runs another policy than its siblings. A broken file is
refused with one log line and every worker keeps the running one; a valid
one replaces the workers one at a time, each new one ready before the old
one stops, and each records the policy it loaded in its audit chain.

The sockets are also created as ``IPPROTO_TCP`` with ``TCP_NODELAY``: with the
protocol left at 0, asyncio does not set ``TCP_NODELAY`` on accepted
connections and each response whose headers and body are written separately
waits for the client's delayed ACK (measured: 40 ms per request).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

from prometheus_client.multiprocess import mark_process_dead
from uvicorn import Config
from uvicorn.supervisors import Multiprocess
from uvicorn.supervisors.multiprocess import Process

from gateway.errors import ConfigError

log = logging.getLogger("gateway")
# How long a replacement worker may take to load its policy, spaCy and the
# category model before a reload gives up on it. uvicorn's own 5 s (its health
# ping) is shorter than a worker's start here (about 10 s measured on 2 cores),
# and a reload that gave up left the old policy running without a word.
READY_SECONDS = 180.0


def listening_socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    sock.set_inheritable(True)
    return sock


class Workers(Multiprocess):
    """uvicorn's supervisor (restarts, health pings, signals), one socket per worker."""

    def __init__(
        self,
        config: Config,
        host: str,
        port: int,
        metrics_dir: str | None = None,
        pin_policy: Callable[[], bool] = lambda: True,
    ) -> None:
        self.metrics_dir = metrics_dir
        self.pin_policy = pin_policy
        self.worker_sockets = [
            listening_socket(host, port, reuse_port=True) for _ in range(config.workers)
        ]
        super().__init__(config, sockets=self.worker_sockets[:1])

    def init_processes(self) -> None:
        for index in range(self.processes_num):
            process = Process(self.config, [self.worker_sockets[index]])
            process.start()
            self.processes.append(process)

    def handle_hup(self) -> None:
        if not self.pin_policy():
            return
        log.warning("SIGHUP: replacing the workers one at a time with the policy on disk")
        self.restart_all()

    def restart_all(self) -> None:
        for index, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = Process(self.config, [self.worker_sockets[index]])
            new.start()
            if not new.wait_until_ready(READY_SECONDS, self.should_exit):
                new.kill()
                new.join()
                if not self.should_exit.is_set():
                    log.error(
                        "SIGHUP: a new worker was not ready within %.0f s; "
                        "the running workers keep serving (%d of %d replaced)",
                        READY_SECONDS,
                        index,
                        len(self.processes),
                    )
                return
            old.terminate()
            old.join()
            self._forget(old)
            self.processes[index] = new

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for index, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            self._forget(process)
            if self.should_exit.is_set():
                return
            replacement = Process(self.config, [self.worker_sockets[index]])
            replacement.start()
            self.processes[index] = replacement

    def _forget(self, process: Process) -> None:
        # A dead worker's requests are no longer in flight; its counters stay summed.
        if self.metrics_dir and process.pid is not None:
            mark_process_dead(process.pid, self.metrics_dir)  # type: ignore[no-untyped-call]
