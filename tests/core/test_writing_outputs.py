"""Writing outputs never destroys what is not ours: inputs, links, permissions, long names, full
disks, and empty rubric-path entries."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from example_system import EXAMPLE, REPO

from stocktake.core.errors import UsageError
from stocktake.core.files import forget_inputs, read_bytes
from stocktake.core.output import open_output, write_output

FIXTURES = Path(__file__).parents[1] / "fixtures"
CHAIN = FIXTURES / "chain.yaml"


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _refused_as_input(result, name: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"error: cannot write to {name!r}: it is one of this command's inputs "
                             "(write the result to another file)\n")


# -- an output that is one of the inputs ---------------------------------------------------------


@pytest.mark.parametrize("spelling", ["same name", "another spelling", "hard link", "symbolic link"])
def test_output_onto_the_commands_own_input_is_refused_and_the_input_kept(spelling, run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(CHAIN, "c.yaml")
    before = Path("c.yaml").read_bytes()
    output = {"same name": "c.yaml", "another spelling": f"./sub/../../{tmp_path.name}/c.yaml",
              "hard link": "hard.yaml", "symbolic link": "soft.yaml"}[spelling]
    Path("sub").mkdir()
    os.link("c.yaml", "hard.yaml")
    os.symlink("c.yaml", "soft.yaml")
    _refused_as_input(run("chain", "c.yaml", "-o", output), output)
    assert Path("c.yaml").read_bytes() == before and Path("soft.yaml").is_symlink()
    assert _temporaries(tmp_path) == []


def _write_xlsx(path: Path, rows: list[list[object]]) -> None:
    openpyxl = pytest.importorskip("openpyxl", reason="openpyxl writes the test workbook")
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_output_onto_a_ratings_table_the_review_reads_is_refused(suffix, run, tmp_path, monkeypatch):
    shutil.copytree(EXAMPLE, tmp_path / "example")
    monkeypatch.chdir(tmp_path / "example")
    if suffix == "xlsx":
        import csv

        with open("ratings-2026.csv", encoding="utf-8", newline="") as handle:
            _write_xlsx(Path("ratings-2026.xlsx"), list(csv.reader(handle)))
        review = Path("capacity-review-2026.yaml")
        review.write_text(review.read_text().replace("ratings_file: ratings-2026.csv", "ratings_file: ratings-2026.xlsx"))
        assert run("review", str(review)).exit_code == 0
    table = Path(f"ratings-2026.{suffix}")
    before = table.read_bytes()
    _refused_as_input(run("review", "capacity-review-2026.yaml", "-o", str(table)), str(table))
    assert table.read_bytes() == before


def _batch(path: Path) -> Path:
    good = {"id": "a", "title": "A", "metric": {"name": "m", "direction": "increase"},
            "baseline": {"date": "2025-01-01", "value": 1}, "target": {"date": "2026-01-01", "value": 2}}
    path.write_text("".join(json.dumps({**good, "id": f"p{i}"}) + "\n" for i in range(5)))
    return path


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_json_lines_batch_streamed_onto_itself_is_refused(jobs, run, tmp_path):
    batch = _batch(tmp_path / "batch.jsonl")
    before = batch.read_bytes()
    result = run("judge", str(batch), "--period", "P", "--as-of", "2026-01-01", "--format", "jsonl", "-j", jobs,
                 "-o", str(batch))
    _refused_as_input(result, str(batch))
    assert batch.read_bytes() == before and _temporaries(tmp_path) == []


def test_an_input_read_while_the_output_is_written_is_refused_before_the_rename(tmp_path):
    """A stream opens its output first and reads its input as it goes: the check before the rename
    catches what the check at open could not."""
    forget_inputs()
    source = tmp_path / "in.txt"
    source.write_text("the input")
    with pytest.raises(UsageError, match="it is one of this command's inputs"), open_output(source) as out:
        out.write(read_bytes(source, max_bytes=100).decode().upper())
    assert source.read_text() == "the input" and _temporaries(tmp_path) == []
    forget_inputs()


def test_inputs_named_in_advance_are_refused_when_the_output_is_opened(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("the input")
    with pytest.raises(UsageError, match="it is one of this command's inputs"), \
            open_output(tmp_path / "." / "in.txt", inputs=[source]):
        raise AssertionError("never opened")
    assert source.read_text() == "the input"


def test_an_unrelated_file_is_replaced_as_before(run, tmp_path):
    out = tmp_path / "out.json"
    out.write_text("old")
    assert run("chain", str(CHAIN), "-o", str(out), "--format", "json").exit_code == 0
    assert json.loads(out.read_text())["kind"] == "DeliveryChainResult"


# -- symbolic links ------------------------------------------------------------------------------


@pytest.mark.parametrize("relative", [True, False])
def test_a_symbolic_link_is_written_through_and_stays_a_link(relative, tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "report.md"
    target.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(Path("real/report.md") if relative else target)
    write_output("new", link)
    assert link.is_symlink() and os.readlink(link) == str(Path("real/report.md") if relative else target)
    assert target.read_text() == "new"
    assert _temporaries(tmp_path) == [] and _temporaries(tmp_path / "real") == []


def test_a_link_to_nothing_is_refused_and_creates_nothing(run, tmp_path):
    link = tmp_path / "link.md"
    link.symlink_to(tmp_path / "elsewhere" / "missing.md")
    result = run("chain", str(CHAIN), "-o", str(link))
    assert result.exit_code == 2
    assert result.stderr == (f"error: cannot write to {str(link)!r}: it is a symbolic link to "
                             f"{str(tmp_path / 'elsewhere' / 'missing.md')!r}, which does not exist "
                             "(create that file first, or write to another file)\n")
    assert link.is_symlink() and not (tmp_path / "elsewhere").exists()


def test_a_loop_of_links_is_one_line(run, tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    result = run("chain", str(CHAIN), "-o", str(tmp_path / "a"))
    assert result.exit_code == 2
    assert result.stderr == f"error: cannot write to {str(tmp_path / 'a')!r}: a loop of symbolic links\n"


# -- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_a_replaced_file_keeps_its_permission_bits(mode, run, tmp_path):
    out = tmp_path / "result.json"
    out.write_text("old")
    out.chmod(mode)
    assert run("chain", str(CHAIN), "-o", str(out), "--format", "json").exit_code == 0
    assert out.stat().st_mode & 0o7777 == mode and out.read_text().startswith("{")


@pytest.mark.parametrize(("umask", "mode"), [(0o077, 0o600), (0o022, 0o644), (0o002, 0o664)])
def test_a_new_file_honours_the_umask(umask, mode, tmp_path):
    previous = os.umask(umask)
    try:
        write_output("text", tmp_path / "new.txt")
    finally:
        os.umask(previous)
    assert (tmp_path / "new.txt").stat().st_mode & 0o7777 == mode


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any file")
def test_a_read_only_file_is_refused_not_replaced(run, tmp_path):
    out = tmp_path / "result.json"
    out.write_text("old")
    out.chmod(0o444)
    result = run("chain", str(CHAIN), "-o", str(out))
    assert result.exit_code == 2 and "permission denied" in result.stderr
    assert out.read_text() == "old"


# -- names at the filesystem's limit ---------------------------------------------------------------


def test_an_output_name_near_the_filesystems_limit_is_written(run, tmp_path):
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    out = tmp_path / ("r" * (limit - 10) + ".json")
    result = run("chain", str(CHAIN), "-o", str(out), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text())["kind"] == "DeliveryChainResult"
    assert _temporaries(tmp_path) == []


def test_a_multibyte_name_is_shortened_on_a_byte_boundary_that_still_works(tmp_path):
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    out = tmp_path / ("é" * ((limit - 5) // 2) + ".md")
    write_output("text", out)
    assert out.read_text() == "text" and _temporaries(tmp_path) == []


def test_an_output_name_past_the_filesystems_limit_is_one_line(run, tmp_path):
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    out = tmp_path / ("r" * (limit + 1))
    result = run("chain", str(CHAIN), "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr.endswith(": a name too long for the filesystem\n")
    assert len(result.stderr.splitlines()) == 1 and list(tmp_path.iterdir()) == []


# -- a full disk -----------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["fsync", "write"])
def test_no_space_left_is_one_line_and_keeps_the_old_file(where, run, tmp_path, monkeypatch):
    out = tmp_path / "report.html"
    out.write_text("old report")

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if where == "fsync":
        monkeypatch.setattr(os, "fsync", full)
    else:
        real_fdopen = os.fdopen

        class Full:
            """The output file, on a disk that fills up at the first write."""

            def __init__(self, handle):
                self.handle = handle

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.handle.close()

            def write(self, text):
                full()

            def __getattr__(self, name):
                return getattr(self.handle, name)

        monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: Full(real_fdopen(fd, *a, **k)))
    result = run("report", str(CHAIN), "-o", str(out))
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: cannot write to {str(out)!r}: no space left on device\n"
    assert out.read_text() == "old report" and _temporaries(tmp_path) == []


# -- rubric paths ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["::", ":", f"{os.pathsep}own", f"own{os.pathsep}", f"own{os.pathsep}{os.pathsep}"])
def test_empty_rubric_path_entries_are_not_the_current_directory(value, run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    capacity = REPO / "rubrics" / "delivery-capacity-review.yaml"
    Path("here.yaml").write_text(capacity.read_text().replace(
        "id: delivery-capacity-review", "id: current-directory-rubric", 1))
    Path("own").mkdir()
    Path("own/mine.yaml").write_text(capacity.read_text().replace(
        "id: delivery-capacity-review", "id: our-capacity-review", 1))
    result = run("rubrics", env={"STOCKTAKE_RUBRIC_PATH": value.replace(":", os.pathsep)})
    assert result.exit_code == 0, result.stderr
    assert "current-directory-rubric" not in result.stdout
    assert ("our-capacity-review" in result.stdout) == ("own" in value)
    assert "current-directory-rubric" not in run("--rubric-path", "", "rubrics").stdout


def test_the_demo_run_twice_in_one_process_writes_again(tmp_path):
    """The demo's copies are its own: having read them in an earlier run does not make them inputs
    it may not write."""
    from stocktake.demo import run_demo
    from stocktake.testing import make_engine

    engine = make_engine()
    first = run_demo(engine, tmp_path)
    (tmp_path / "report.html").unlink()
    second = run_demo(engine, tmp_path)
    assert (tmp_path / "report.html").is_file() and second.written == first.written


@pytest.mark.parametrize(("name", "message"), [
    ("", "cannot write to '': an empty name (give a file name, or - for standard output)"),
    ("new/", "cannot write to 'new/': it is a directory"),
])
def test_an_empty_name_or_a_directory_name_is_one_line(name, message, run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("chain", str(CHAIN), "-o", name)
    assert (result.exit_code, result.stderr) == (2, f"error: {message}\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any directory")
def test_a_directory_this_user_may_not_write_is_named(run, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "result.json").write_text("old")
    (locked / "result.json").chmod(0o666)
    locked.chmod(0o555)
    try:
        result = run("chain", str(CHAIN), "-o", str(locked / "result.json"))
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 2
    assert f"permission denied in its directory {str(locked)!r}" in result.stderr
    assert (locked / "result.json").read_text() == "old"


def test_a_read_only_file_is_refused_whoever_runs(run, tmp_path, monkeypatch):
    """As root too, where the permission bits do not stop the rename: ``os.access`` says no."""
    out = tmp_path / "result.json"
    out.write_text("old")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **k: False if Path(path) == out else real_access(path, mode))
    result = run("chain", str(CHAIN), "-o", str(out))
    assert (result.exit_code, result.stderr) == (
        2, f"error: cannot write to {str(out)!r}: permission denied (the file is read-only for this user)\n")
    assert out.read_text() == "old"


def test_a_directory_that_refuses_the_temporary_file_is_named(run, tmp_path, monkeypatch):
    out = tmp_path / "result.json"
    out.write_text("old")
    real_open = os.open

    def refuse_temporaries(path, flags, *args, **kwargs):
        if str(path).endswith(".tmp"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse_temporaries)
    result = run("chain", str(CHAIN), "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == (f"error: cannot write to {str(out)!r}: permission denied in its directory "
                             f"{str(tmp_path)!r} (the result is written beside it, then renamed)\n")
    assert out.read_text() == "old"
