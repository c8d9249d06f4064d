"""The Python API takes documents as data, text or open files, not only paths (issue 15 item 7),
and its results show in a notebook."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from pathlib import Path

import pytest
import yaml

from stocktake import Engine
from stocktake.core.errors import DocumentError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REVIEW = FIXTURES / "exhibit-1b7.yaml"
ASSESSMENT = FIXTURES / "assessment.yaml"
CHAIN = FIXTURES / "chain.yaml"


@pytest.fixture(scope="module")
def engine():
    return Engine()


def _judgments(result):
    """The result without its record of inputs (which names where each document came from)."""
    return result.model_dump(mode="json", exclude={"inputs"})


@pytest.mark.parametrize("given", ["data", "bytes", "text stream", "binary stream"])
@pytest.mark.parametrize(("path", "method"), [(REVIEW, "review"), (ASSESSMENT, "judge"), (CHAIN, "chain")])
def test_a_document_given_in_memory_is_judged_as_its_file_is(engine, path, method, given):
    text = path.read_text(encoding="utf-8")
    source = {"data": lambda: yaml.safe_load(text), "bytes": lambda: text.encode(),
              "text stream": lambda: io.StringIO(text), "binary stream": lambda: io.BytesIO(text.encode())}[given]()
    from_file, from_memory = getattr(engine, method)(path), getattr(engine, method)(source)
    assert _judgments(from_memory) == _judgments(from_file)
    named = "<data>" if given == "data" else "<text>"
    assert [i.path for i in from_memory.inputs][:1] == [named]


def test_data_may_hold_dates_as_python_dates(engine):
    data = yaml.load(ASSESSMENT.read_text(), Loader=yaml.SafeLoader)  # PyYAML's own loader makes dates
    assert isinstance(data["date"], dt.date)
    assert _judgments(engine.judge(data)) == _judgments(engine.judge(ASSESSMENT))


def test_the_same_data_gives_the_same_recorded_hash_whatever_its_key_order(engine):
    data = yaml.safe_load(CHAIN.read_text())
    reordered = dict(reversed(list(data.items())))
    assert engine.chain(data).inputs[0].sha256 == engine.chain(reordered).inputs[0].sha256


def test_an_open_file_is_named_by_its_name(engine):
    with REVIEW.open("rb") as handle:
        result = engine.review(handle)
    assert result.inputs[0].path == str(REVIEW)


def test_bad_data_is_located_by_its_json_path_only(engine):
    data = yaml.safe_load(CHAIN.read_text())
    data["actors"][2]["role"] = "boss"
    with pytest.raises(DocumentError) as caught:
        engine.chain(data)
    err = caught.value
    assert (err.file, err.line, err.column) == ("<data>", None, None)
    assert str(err).startswith("<data>: $.actors[2].role: expected ")


def test_bad_text_is_located_by_line_and_column(engine):
    text = CHAIN.read_text().replace("role: front-line, count: 40", "role: boss, count: 40")
    with pytest.raises(DocumentError) as caught:
        engine.chain(text.encode())
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "role: boss" in t)
    assert (caught.value.file, caught.value.line) == ("<text>", line)


def test_a_document_in_memory_cannot_make_the_engine_read_a_file(engine, tmp_path):
    (tmp_path / "ratings.csv").write_text("component,reviewer,level\n")
    data = yaml.safe_load(REVIEW.read_text())
    data["ratings_file"] = str(tmp_path / "ratings.csv")
    with pytest.raises(DocumentError) as caught:
        engine.review(data)
    assert caught.value.path == ("ratings_file",) and "load the document from its file" in str(caught.value)


@pytest.mark.parametrize(("value", "found"), [({1, 2}, "a set (write a list)"), (object(), "a value of type object"),
                                              (float("nan"), "Out of range float values")])
def test_data_json_cannot_hold_is_a_located_error(engine, value, found):
    data = yaml.safe_load(CHAIN.read_text())
    data["title"] = value
    with pytest.raises(DocumentError, match=re.escape(found)):
        engine.chain(data)


def test_something_that_is_not_a_document_is_a_type_error(engine):
    with pytest.raises(TypeError, match="a path, bytes, a mapping or an open file"):
        engine.chain(42)


def test_a_report_joins_documents_given_in_memory(engine):
    sources = [yaml.safe_load(p.read_text()) for p in (ASSESSMENT, CHAIN)]
    report = engine.report(sources)
    assert report.assessment is not None and [c.result.chain["id"] for c in report.chains] == ["reading-chain"]
    from_files = engine.report([ASSESSMENT, CHAIN])

    def levels(r):
        return ([(p.id, p.judgment.rating, p.judgment.because) for p in r.assessment.priorities],
                [(c.result.judgment.rating, c.result.judgment.because) for c in r.chains])
    assert levels(report) == levels(from_files)


def test_the_same_document_twice_in_memory_is_refused_as_a_file_twice_is(engine):
    from stocktake.core.errors import UsageError

    data = yaml.safe_load(CHAIN.read_text())
    with pytest.raises(UsageError, match="given twice"):
        engine.report([data, dict(data)])


@pytest.mark.parametrize(("path", "method"), [(REVIEW, "review"), (ASSESSMENT, "judge"), (CHAIN, "chain")])
def test_results_show_in_a_notebook_as_their_html_page_in_a_sandboxed_frame(engine, path, method):
    result = getattr(engine, method)(path)
    shown = result._repr_html_()
    frame = re.fullmatch(r'<iframe sandbox="" srcdoc="([^"]*)" title="Stocktake result" style="[^"]*"></iframe>', shown)
    assert frame is not None, shown[:200]
    page = html.unescape(frame.group(1))
    assert page.lower().startswith("<!doctype html>") and "<script" not in page
    title = {"review": "exhibit 1B.7", "judge": "Grade 3 reading", "chain": "Grade 3 reading"}[method]
    assert title in page


def test_a_report_shows_in_a_notebook(engine):
    shown = engine.report([ASSESSMENT, CHAIN])._repr_html_()
    assert shown.lower().startswith('<iframe sandbox="" srcdoc="&lt;!doctype html&gt;')


def test_a_notebook_frame_renders_the_page_in_a_browser(engine, tmp_path):
    import browser

    reason = browser.available()
    if reason:
        pytest.skip(reason)
    notebook = tmp_path / "notebook.html"
    notebook.write_text(f"<!doctype html><title>notebook</title>{engine.judge(ASSESSMENT)._repr_html_()}")
    b = browser.Browser(tmp_path / "profile")
    try:
        b.open(notebook)
        frame = b._session("POST", "/element", {"using": "css selector", "value": "iframe"})
        b._session("POST", "/frame", {"id": frame})
        heading = b.run("return document.querySelector('h1').textContent")
        styled = b.run("return getComputedStyle(document.body).fontFamily")
    finally:
        b.close()
    assert heading == "Delivery report 2026-H2"
    assert styled  # the page's own style sheet applies inside the frame


@pytest.mark.parametrize("one", [str(REVIEW), REVIEW, b"kind: Rubric", {"kind": "Rubric"}])
def test_validate_takes_several_documents_and_says_so_when_given_one(engine, one):
    with pytest.raises(TypeError, match=r"validate\(\[document\]\)"):
        engine.validate(one)


def test_every_document_error_lists_its_problems_one_or_many(engine):
    from stocktake import DocumentErrors

    data = yaml.safe_load(CHAIN.read_text())
    data["actors"][2]["role"] = "boss"
    with pytest.raises(DocumentError) as one:
        engine.chain(data)
    assert one.value.errors == [one.value]
    data["actors"][3]["role"] = "chief"
    with pytest.raises(DocumentErrors) as many:
        engine.chain(data)
    assert [e.path for e in many.value.errors] == [("actors", 2, "role"), ("actors", 3, "role")]
