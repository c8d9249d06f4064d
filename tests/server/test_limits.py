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
