"""The compute threads leave the garbage collector on once none is running (units)."""

from __future__ import annotations

import gc

from stocktake.server.limits import collecting_after


def test_the_collector_is_on_again_when_the_last_computation_ends() -> None:
    def leaves_it_off() -> str:  # as two racing gc_held blocks can
        gc.disable()
        return "done"

    try:
        outer = collecting_after(lambda: (collecting_after(leaves_it_off)(), gc.isenabled()))
        assert outer() == ("done", False)  # not while another computation runs
        assert gc.isenabled()
    finally:
        gc.enable()


def test_a_compute_route_looks_its_token_up_off_the_event_loop(monkeypatch) -> None:
    """The lookup reads the ledger under the service's lock: on the loop it would stall every request."""
    import asyncio
    import threading
    from types import SimpleNamespace

    from starlette.responses import Response

    from stocktake.server import compute

    looked_up_in: list[threading.Thread] = []

    def looking_up(request: object) -> None:
        looked_up_in.append(threading.current_thread())

    async def endpoint(request: object) -> Response:
        return Response(b"judged")

    monkeypatch.setattr(compute, "require_principal", looking_up)
    request = SimpleNamespace(state=SimpleNamespace(), app=SimpleNamespace(state=SimpleNamespace(
        config=SimpleNamespace(max_errors=20))))
    answer = asyncio.run(compute.decision(endpoint)(request))  # type: ignore[arg-type]
    assert answer.body == b"judged"
    assert looked_up_in and looked_up_in[0] is not threading.main_thread()
