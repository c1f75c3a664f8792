"""uvicorn's h11 protocol with a deadline per request: a client must send a request's headers and body
within `request_timeout_s` of its first byte (or of connecting), else the connection is closed.

uvicorn bounds idle keep-alive connections, but not a request that trickles in (slowloris) or stops
half-way; behind a reverse proxy the proxy's timeouts do the same (docs/service.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


class DeadlineH11Protocol(H11Protocol):
    request_timeout_s: float = 5.0

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and not self._handling():
            self._arm()
        super().data_received(data)
        if self._handling():  # headers and body are in: the application has the request
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _handling(self) -> bool:
        cycle = self.cycle
        return cycle is not None and not cycle.response_complete and not cycle.more_body

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout_s, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self._handling() and not self.transport.is_closing():
            self.logger.info("request not complete within %.0f s: connection closed", self.request_timeout_s)
            self.transport.close()


def deadline_protocol(seconds: float) -> type[DeadlineH11Protocol]:
    """The protocol class for `uvicorn.run(http=…)` with a deadline of `seconds`."""
    return type("DeadlineH11Protocol", (DeadlineH11Protocol,), {"request_timeout_s": seconds})
