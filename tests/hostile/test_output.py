"""Attacks on where the output goes, each in a real process: device nodes, FIFOs, a full or closed
standard output, a file size limit, and signals that end the command mid-write.

Device nodes are made with ``os.mknod`` inside the test's own folder (a copy of ``/dev/null`` or
``/dev/full``): a test never points ``-o`` at the machine's real devices, which an unfixed writer
would replace.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from bounded import refused, stocktake_bounded

FIXTURES = Path(__file__).parents[1] / "fixtures"
CHAIN = str(FIXTURES / "chain.yaml")


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _device(path: Path, major: int, minor: int) -> Path:
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
    except PermissionError:
        pytest.skip("making a device node needs root (and a container that allows it)")
    return path


def _stocktake(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "stocktake", *args], **kwargs)


# -- devices and FIFOs -----------------------------------------------------------------------------


def test_a_character_device_is_written_in_place_not_replaced(tmp_path):
    null = _device(tmp_path / "null", 1, 3)
    result = stocktake_bounded("chain", CHAIN, "-o", str(null), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    info = os.lstat(null)
    assert stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_a_full_device_is_one_line_and_stays_a_device(tmp_path):
    full = _device(tmp_path / "full", 1, 7)
    result = stocktake_bounded("chain", CHAIN, "-o", str(full), cwd=tmp_path)
    assert refused(result, f"cannot write to {str(full)!r}: no space left on device"), result.stderr
    assert stat.S_ISCHR(os.lstat(full).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_a_fifo_is_written_to_its_reader_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = stocktake_bounded("chain", CHAIN, "--format", "json", "-o", str(fifo), cwd=tmp_path)
    reader.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert received and json.loads(received[0])["kind"] == "DeliveryChainResult"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and _temporaries(tmp_path) == []


# -- a full or closed standard output ----------------------------------------------------------------

STDOUT_COMMANDS = {"schema": ["schema", "CapacityReview"], "a listing": ["rubrics"],
                   "a result": ["chain", CHAIN], "a result to -": ["chain", CHAIN, "-o", "-"]}


@pytest.mark.parametrize("command", sorted(STDOUT_COMMANDS))
def test_a_full_standard_output_is_one_line(command, tmp_path):
    with open("/dev/full", "wb") as full:     # opened for writing only; the device is not touched
        proc = subprocess.run([sys.executable, "-m", "stocktake", *STDOUT_COMMANDS[command]], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == "error: cannot write to standard output: no space left on device\n"


@pytest.mark.parametrize("command", sorted(STDOUT_COMMANDS))
def test_a_closed_standard_output_ends_quietly(command, tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)                         # the reader has gone before the first byte
    try:
        proc = subprocess.run([sys.executable, "-m", "stocktake", *STDOUT_COMMANDS[command]], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60, cwd=tmp_path)
    finally:
        os.close(write_end)
    assert (proc.returncode, proc.stderr) == (128 + signal.SIGPIPE, "")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_reader_that_stops_after_one_line_ends_a_stream_quietly(jobs, tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.generate import write_priorities_jsonl

    batch = write_priorities_jsonl(tmp_path / "b.jsonl", 3000)
    proc = _stocktake("judge", str(batch), "--period", "P", "--as-of", "2026-01-01", "--format", "jsonl",
                      "-j", jobs, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()              # `| head -1`
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert json.loads(first)["id"]
    assert (proc.returncode, stderr) == (128 + signal.SIGPIPE, "")


# -- a file size limit -------------------------------------------------------------------------------


def _big_assessment(path: Path, copies: int) -> Path:
    data = yaml.safe_load((FIXTURES / "assessment.yaml").read_text())
    template = data["priorities"][0]
    data["priorities"] = [{**template, "id": f"p{i}", "title": f"Priority {i}"} for i in range(copies)]
    path.write_text(json.dumps(data, default=str))
    return path


def test_a_file_size_limit_is_one_line_and_keeps_the_old_file(tmp_path):
    source = _big_assessment(tmp_path / "many.json", 100)
    target = tmp_path / "report.html"
    target.write_text("old report")

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # so a write past the limit fails with EFBIG

    proc = subprocess.run([sys.executable, "-m", "stocktake", "report", str(source), "-o", str(target)],
                          capture_output=True, text=True, timeout=120, preexec_fn=small_files, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (f"error: cannot write to {str(target)!r}: the file would be larger than the "
                           "filesystem or this process's file size limit allows\n")
    assert target.read_text() == "old report" and _temporaries(tmp_path) == []


# -- signals mid-write -------------------------------------------------------------------------------


def _signalled_while_writing(tmp_path: Path, signum: int, **popen) -> tuple[int, int]:
    """Send ``signum`` to a process writing a big report over an old one, three times; every time the
    old report or the whole new one is there, with no temporary file. Returns (times caught writing,
    last exit code)."""
    source = _big_assessment(tmp_path / "many.json", 600)
    target = tmp_path / "report.html"
    caught_writing, code = 0, 0
    for _ in range(3):
        target.write_text("old report")
        proc = _stocktake("report", str(source), "-o", str(target), cwd=tmp_path, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, **popen)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if _temporaries(tmp_path):
                caught_writing += 1
                break
            time.sleep(0.0005)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
        text = target.read_text()
        assert text == "old report" or (proc.returncode == 0 and text.rstrip().endswith("</html>")), stderr
        assert "Traceback" not in stderr, stderr
        assert _temporaries(tmp_path) == []
        code = proc.returncode
    return caught_writing, code


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_mid_write_leave_the_old_file_and_no_temporary(signum, tmp_path):
    caught_writing, code = _signalled_while_writing(tmp_path, signum)
    assert caught_writing, "the signal never arrived while the report was being written"
    assert code in (0, 128 + signum)
    stopped = _stocktake("report", str(tmp_path / "many.json"), "-o", str(tmp_path / "again.html"), cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not _temporaries(tmp_path) and stopped.poll() is None:
        time.sleep(0.0005)
    stopped.send_signal(signum)
    _, stderr = stopped.communicate(timeout=60)
    if stopped.returncode != 0:                 # not already finished when the signal came
        assert stopped.returncode == 128 + signum
        assert stderr == f"error: {signal.Signals(signum).name}; no file was left half-written\n"


def test_an_ignored_sighup_stays_ignored(tmp_path):
    """Under ``nohup`` the command does not take SIGHUP over: it finishes and writes its report."""
    def ignore_hangups() -> None:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    _, code = _signalled_while_writing(tmp_path, signal.SIGHUP, preexec_fn=ignore_hangups)
    assert code == 0
    assert (tmp_path / "report.html").read_text().rstrip().endswith("</html>")


def test_importing_the_library_installs_no_signal_handler():
    # Compared with the handlers before the import, not with SIG_DFL: under nohup SIGHUP is ignored.
    probe = ("import signal; handlers = lambda: (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)); "
             "before = handlers(); import stocktake, stocktake.cli, stocktake.core.output; "
             "print(handlers() == before, before[0] is signal.SIG_DFL)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60).stdout
    assert out.split() == ["True", "True"]


def test_an_in_process_run_restores_the_signal_handlers(run):
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    assert run("chain", CHAIN).exit_code == 0
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before


def test_sigterm_to_the_whole_group_of_a_stream_in_several_processes_is_one_line(tmp_path):
    """As ``timeout`` or a closed terminal sends it: the worker processes end as by default, and the
    command discards its output and says so once."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.generate import write_priorities_jsonl

    batch = write_priorities_jsonl(tmp_path / "b.jsonl", 20000)
    out = tmp_path / "out.jsonl"
    proc = _stocktake("judge", str(batch), "--period", "P", "--as-of", "2026-01-01", "--format", "jsonl", "-j", "2",
                      "-o", str(out), stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while not _temporaries(tmp_path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(0.5)                             # the workers are judging now
    os.killpg(proc.pid, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert (proc.returncode, stderr) == (128 + signal.SIGTERM, "error: SIGTERM; no file was left half-written\n")
    assert not out.exists() and _temporaries(tmp_path) == []


class _SignalledInAFinaliser:
    """Sends this process SIGTERM from its finaliser, so the handler runs inside ``__del__``, where
    an exception cannot propagate (as in the process pool's weakref callbacks)."""

    def __del__(self):
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(10_000):  # the handler runs here, inside the finaliser
            pass


@pytest.mark.parametrize("then_fails", [True, False])
def test_a_signal_handled_inside_a_finaliser_still_ends_the_command_in_one_line(capsys, then_fails):
    """Python reports an exception raised in a finaliser as "Exception ignored" and carries on: the
    signal is remembered, not reported, and ends the command at the next error (the pool its
    workers left broken) or when it returns."""
    from stocktake.cli import Terminated, _termination_discards_output

    def command() -> None:
        with _termination_discards_output():
            _SignalledInAFinaliser()          # collected at once
            if then_fails:
                raise RuntimeError("A process in the process pool was terminated abruptly")

    with pytest.raises(Terminated):
        command()
    assert "Exception ignored" not in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_link_to_the_processs_own_standard_output_writes_to_it(tmp_path):
    """Like ``-o /dev/stdout`` on a pipe: the link leads to a pipe that has no path; it is written,
    and the link stays (a link in the test's folder, never the machine's ``/dev/stdout``)."""
    link = tmp_path / "out"
    link.symlink_to("/proc/self/fd/1")
    result = stocktake_bounded("chain", CHAIN, "--format", "json", "-o", str(link), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["kind"] == "DeliveryChainResult"
    assert link.is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == ["out"]
