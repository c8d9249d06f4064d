"""``judge --jobs N``: workers read their own ranges of the file and write parts joined in order.

Ranges are made small here (every run of 256 lines its own range) so a few hundred lines make
several; every result is compared with the one-process result: the bytes, the error, and what was
written before the error.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from stocktake import Engine
from stocktake.core.errors import DocumentError
from stocktake.core.parsed import Limits
from stocktake.likelihood import parallel

AS_OF = {"period": "P", "as_of": "2026-01-01"}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()  # plugins from entry points: each worker can build the same


@pytest.fixture(scope="module")
def short_temp() -> Path:
    """A temporary directory with a path short enough for a forkserver's socket in it: workers are
    started so whenever a thread runs (another test's, say), and under xdist a test's own temporary
    path is longer than a socket's may be (AF_UNIX path too long). Left in place: multiprocessing
    keeps its folder, with the forkserver's socket, there for the life of the process."""
    return Path(tempfile.mkdtemp(prefix="stocktake-test-", dir="/tmp"))


@pytest.fixture(autouse=True)
def small_ranges(monkeypatch, tmp_path, short_temp):
    """Ranges of one run of lines each, parts in the short temporary directory; ``tmp_path / "tmp"``
    for the commands run as processes."""
    monkeypatch.setattr(parallel, "range_bytes", lambda size, jobs: 1)
    monkeypatch.setattr(tempfile, "tempdir", str(short_temp))
    (tmp_path / "tmp").mkdir()


def _rows(count: int) -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.generate import priority

    return [json.dumps(priority(seed)) for seed in range(count)]


def _write(path: Path, lines: list[str], *, bom: bool = False) -> Path:
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(b"\xef\xbb\xbf" + data if bom else data)
    return path


def _judged(engine: Engine, path: Path, jobs: int, out: io.StringIO | None = None) -> tuple[str, object]:
    """(what was written, the error or the (counts, failures) returned)."""
    out = out if out is not None else io.StringIO()
    try:
        answer: object = engine.judge_stream(path, out, jobs=jobs, **AS_OF)
    except DocumentError as err:
        answer = str(err)
    return out.getvalue(), answer


def _same_as_one_process(engine: Engine, path: Path, *jobs: int) -> tuple[str, object]:
    one = _judged(engine, path, 1)
    for n in jobs:
        assert _judged(engine, path, n) == one, f"--jobs {n}"
    return one


def _no_parts(folder: Path | None = None) -> bool:
    """Whether no part folder is left in ``folder`` (by default this process's temporary directory)."""
    folder = folder or Path(tempfile.gettempdir())
    # Only our own folders count: multiprocessing keeps a pymp-* folder of its own in the temp dir
    # for the life of the process once anything (a forkserver start) has asked for one.
    return [p.name for p in folder.iterdir() if p.name.startswith("stocktake-parts-")] == []


def test_the_ranges_cover_the_file_and_end_at_runs_of_lines(tmp_path):
    path = _write(tmp_path / "b.jsonl", [f'{{"n": {i}}}' + " " * (i % 7) for i in range(1000)])
    data = path.read_bytes()
    with path.open("rb") as handle:
        ranges = list(parallel._ranges(handle, 3000, 100, 256))
    assert ranges[0][0] == 0 and ranges[-1][1] is None and len(ranges) == 4
    for (start, end, first), (after, _, next_first) in itertools.pairwise(ranges):
        assert end == after and data[end - 1:end] == b"\n"
        assert data[:start].count(b"\n") + 1 == first and (next_first - 1) % 256 == 0
        assert end - start >= 3000
    assert data[:ranges[-1][0]].count(b"\n") + 1 == ranges[-1][2]


def test_a_line_with_no_end_in_sight_makes_the_rest_one_range(tmp_path):
    path = tmp_path / "b.jsonl"
    path.write_bytes(b"{}\n" * 600 + b"x" * (3 << 20) + b"\n{}\n")
    with path.open("rb") as handle:
        ranges = list(parallel._ranges(handle, 100, 1000, 256))
    assert [r[2] for r in ranges] == [1, 257, 513] and ranges[-1][1] is None


def test_jobs_give_the_bytes_of_one_process_with_a_bom_crlf_and_blank_lines(engine, tmp_path):
    lines = _rows(900)
    lines[10] += "\r"                     # CRLF
    lines[255:255] = ["", "   "]          # blank lines across the end of a run of lines
    lines[600:600] = [""]
    path = _write(tmp_path / "b.jsonl", lines, bom=True)
    text, (counts, failures) = _same_as_one_process(engine, path, 2, 3)
    assert [json.loads(line)["id"] for line in text.splitlines()] == [f"p{i:06d}" for i in range(900)]
    assert sum(counts.values()) == 900 and failures == []
    assert _no_parts()


def test_jobs_write_a_real_file_through_its_descriptor(engine, tmp_path):
    path = _write(tmp_path / "b.jsonl", _rows(700))
    expected = _judged(engine, path, 1)[0]
    out = tmp_path / "out.jsonl"
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write("before\n")          # what the stream held already stays first
        engine.judge_stream(path, handle, jobs=2, **AS_OF)
    assert out.read_text() == "before\n" + expected


def test_a_file_smaller_than_one_range(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "range_bytes", lambda size, jobs: 1 << 20)
    path = _write(tmp_path / "b.jsonl", _rows(5))
    text, _ = _same_as_one_process(engine, path, 2)
    assert len(text.splitlines()) == 5


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_an_empty_file_is_the_same_error(engine, tmp_path, content):
    path = tmp_path / "b.jsonl"
    path.write_bytes(content)
    _, error = _same_as_one_process(engine, path, 2)
    assert error == f"{path}: $: expected at least one priority, found an empty file"
    assert _no_parts()


def test_a_duplicate_id_in_a_later_range_names_its_line(engine, tmp_path):
    lines = _rows(900)
    lines[700] = lines[3]
    path = _write(tmp_path / "b.jsonl", lines)
    text, error = _same_as_one_process(engine, path, 2, 3)
    assert error == (f"{path}:701: $.id: expected priority ids unique, found 'p000003' again (first on line 4)")
    assert len(text.splitlines()) == 512   # the runs of lines before the one it is in
    assert _no_parts()


def test_a_bad_line_in_the_second_range_is_located_exactly(engine, tmp_path):
    lines = _rows(900)
    lines[300] = lines[300].replace('"unit": "%"', '"unit": 7')
    lines[400] = lines[2]                 # a duplicate later in the same run: the bad line comes first
    path = _write(tmp_path / "b.jsonl", lines)
    text, error = _same_as_one_process(engine, path, 2)
    assert isinstance(error, str) and error.startswith(f"{path}:301:") and "$.metric.unit" in error
    assert len(text.splitlines()) == 256
    assert _no_parts()


def test_an_over_long_line_is_refused_by_its_number(tmp_path):
    small = Engine(limits=Limits(max_line_bytes=4000))
    lines = _rows(900)
    lines[600] = '{"id": "' + "x" * 5000 + '"}'
    path = _write(tmp_path / "b.jsonl", lines)
    _, error = _same_as_one_process(small, path, 2)
    assert error == f"{path}:601: $: expected a line of at most 4,000 bytes, found a longer line"
    path.write_bytes(_write(path, _rows(900)).read_bytes()[:-1] + b"y" * (3 << 20))  # one that never ends
    _, error = _same_as_one_process(small, path, 2)
    assert error == f"{path}:900: $: expected a line of at most 4,000 bytes, found a longer line"
    assert _no_parts()


def test_workers_started_afresh_prepare_the_same_run(engine, tmp_path, monkeypatch):
    """Where forking is unsafe (threads), workers start from nothing and prepare the run."""
    path = _write(tmp_path / "b.jsonl", _rows(600))
    expected = _judged(engine, path, 1)
    monkeypatch.setattr(parallel, "_start_method", lambda: "forkserver")  # its socket: see short_temp
    assert _judged(engine, path, 2) == expected


def test_an_error_that_is_not_the_users_keeps_its_traceback(engine, tmp_path, monkeypatch):
    def broken(*args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(parallel, "_start_method", lambda: "fork")
    monkeypatch.setattr(parallel, "_judge_group", broken)  # inherited by the forked workers
    path = _write(tmp_path / "b.jsonl", _rows(300))
    with pytest.raises(ZeroDivisionError, match="a bug") as caught:
        engine.judge_stream(path, io.StringIO(), jobs=2, **AS_OF)
    assert "in broken" in str(caught.value.__cause__)
    assert _no_parts()


def test_a_worker_that_dies_is_an_error_and_leaves_nothing(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "_start_method", lambda: "fork")
    monkeypatch.setattr(parallel, "_judge_group", lambda *args: os._exit(9))
    path = _write(tmp_path / "b.jsonl", _rows(300))
    with pytest.raises(RuntimeError, match="ended unexpectedly"):
        engine.judge_stream(path, io.StringIO(), jobs=2, **AS_OF)
    assert _no_parts()


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="no signal masks")
def test_ctrl_c_before_a_worker_ignores_it_is_dropped_not_a_traceback(engine, tmp_path, monkeypatch, capfd):
    """A terminal's Ctrl-C reaches a worker that has not yet set its handlers (as a loaded machine
    makes likely): the worker holds it until it ignores it, and the run is the parent's to end."""
    follow = parallel._follow_parent

    def interrupted_first(*args):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # time for it to arrive, were it not held
        follow(*args)

    monkeypatch.setattr(parallel, "_start_method", lambda: "fork")
    monkeypatch.setattr(parallel, "_follow_parent", interrupted_first)  # inherited by the forked workers
    path = _write(tmp_path / "b.jsonl", _rows(600))
    capfd.readouterr()
    assert _judged(engine, path, 2) == _judged(engine, path, 1)
    assert capfd.readouterr().err == ""
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == set()  # this process's mask is as it was


# -- the command, interrupted ---------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _gone(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()[0] in ("Z", "X")
    except OSError:
        return True


def _as_from_a_terminal() -> None:
    """SIGINT and SIGHUP at their defaults, as a terminal starts a command (a background job of a
    script, or nohup, would hand them on ignored, and the command keeps them so)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _started(tmp_path: Path) -> subprocess.Popen[str]:
    path = _write(tmp_path / "b.jsonl", _rows(6000))
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    proc = subprocess.Popen([sys.executable, "-m", "stocktake", "judge", str(path), "--period", "P", "--as-of",
                             "2026-01-01", "--format", "jsonl", "-j", "2", "-o", str(tmp_path / "out.jsonl")],
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
                            preexec_fn=_as_from_a_terminal)
    deadline = time.monotonic() + 120
    while not any((tmp_path / "tmp").glob("*/*.part")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, proc.communicate()
    return proc


def _all_gone(pids: list[int], tmp_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (all(map(_gone, pids)) and _no_parts(tmp_path / "tmp")):
        time.sleep(0.05)
    assert all(map(_gone, pids)) and _no_parts(tmp_path / "tmp")
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; the kernel's parent-death signal")
def test_a_killed_command_leaves_no_worker_and_no_part(tmp_path):
    proc = _started(tmp_path)
    workers = _children(proc.pid)
    assert len(workers) == 2
    proc.kill()
    proc.communicate(timeout=60)
    _all_gone(workers, tmp_path)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_to_the_whole_group_is_one_line_and_leaves_nothing(tmp_path):
    proc = _started(tmp_path)
    workers = _children(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)     # as a terminal sends it
    _, stderr = proc.communicate(timeout=60)
    assert (proc.returncode, stderr) == (130, "error: interrupted; no file was left half-written\n")
    _all_gone(workers, tmp_path)
