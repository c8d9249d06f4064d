"""A review team of four runs a capacity review end to end in headless Chromium against a real
server process on 127.0.0.1, each signing in with their own token: the moderator starts the
review, two reviewers rate (neither sees the other's ratings before submitting their own), the
moderator records an agreed judgment on the component they disagree about and puts the review
up for sign-off, the approver accepts it, and the accepted review.yaml, downloaded by the
browser, scores under ``stocktake review`` the same as the server's scored review.

The pages carry no script, and the browser runs with scripts turned off: it only types, picks
options and clicks, as a person does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import browser
import pytest
import serving
import team

REVIEW = "northshire-2026"
CREW = [{"id": "dana", "name": "Dana Unit", "role": "delivery-unit"},
        {"id": "ira", "name": "Ira Independent", "role": "independent"}]
DISPUTED = 1  # the component index the reviewers rate two levels apart

pytestmark = pytest.mark.skipif(browser.available() is not None, reason=browser.available() or "")


def components() -> list[str]:
    from stocktake.api import Engine

    return [c.id for c in Engine().rubric("delivery-capacity-review", "1.0.0").rubric.components()]


def sign_in(chrome: browser.Browser, url: str, token: str) -> None:
    chrome.visit(f"{url}/login")
    chrome.type("#token", token)
    chrome.click("#sign-in")
    assert chrome.wait_for_url("/reviews").endswith("/reviews"), chrome.text()


def sign_out(chrome: browser.Browser) -> None:
    chrome.click("nav.site button")
    chrome.wait_for_url("/login")


def rate_everything(chrome: browser.Browser, url: str, who: str, levels: list[str]) -> None:
    """As a signed-in reviewer: add an evidence item, then rate every component citing it."""
    chrome.visit(f"{url}/reviews/{REVIEW}")
    chrome.type("#evidence-id", f"E-{who}")
    chrome.click('#evidence-kind option[value="interview"]')
    chrome.type("#evidence-source", f"Interviews by {who}")
    chrome.type("#evidence-date", "2026-05-01")
    chrome.click("#add-evidence")
    chrome.wait_for_url("done=evidence")
    assert "The evidence item is added." in chrome.text()
    for component, level in zip(components(), levels, strict=True):
        chrome.click(f'#level-{component} option[value="{level}"]')
        chrome.type(f"#rationale-{component}", f"{who} on {component}: {level}")
        chrome.type(f"#evidence-{component}", f"E-{who}")
    chrome.click("#save-ratings")
    chrome.wait_for_url("done=saved")
    assert "Your ratings are saved." in chrome.text()


def test_a_team_of_four_runs_a_review_in_the_browser(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    tokens = team.make_tokens(ledger, REVIEW, CREW)
    server = serving.Server.start(tmp_path, ledger=ledger)
    chrome = browser.Browser(tmp_path / "profile", javascript=False)
    try:
        _run_review(chrome, server, tokens, tmp_path)
    finally:
        chrome.close()
        server.stop()


# long: one story, told in order
def _run_review(chrome: browser.Browser, server, tokens: dict[str, str], tmp_path) -> None:
    url = server.url
    ids = components()
    # The moderator starts the review for the two reviewers.
    sign_in(chrome, url, tokens["maria"])
    chrome.type("#system", "Northshire")
    chrome.type("#title", "Capacity review 2026")
    chrome.type("#date", "2026-06-30")
    chrome.type("#review_id", REVIEW)
    chrome.type("#reviewers", "\n".join(f"{r['id']}, {r['name']}, {r['role']}" for r in CREW))
    chrome.click("#create")
    assert chrome.wait_for_url("done=created").endswith(f"/reviews/{REVIEW}?done=created")
    assert chrome.text("#state") == "DRAFTING"
    sign_out(chrome)

    # Dana rates and submits; Ira, not yet submitted, sees none of Dana's ratings.
    sign_in(chrome, url, tokens["dana"])
    dana = ["AG"] * len(ids)
    rate_everything(chrome, url, "dana", dana)
    chrome.click("#submit-ratings")
    chrome.wait_for_url("done=submitted-ratings")
    assert "Your ratings are submitted" in chrome.text()
    assert chrome.count("#rating-form") == 0
    sign_out(chrome)
    sign_in(chrome, url, tokens["ira"])
    chrome.visit(f"{url}/reviews/{REVIEW}")
    assert "dana on" not in chrome.source()
    ira = ["AG"] * len(ids)
    ira[DISPUTED] = "R"
    rate_everything(chrome, url, "ira", ira)
    assert "dana on" not in chrome.source()
    chrome.click("#submit-ratings")
    chrome.wait_for_url("done=submitted-ratings")
    assert f"dana on {ids[0]}: AG" in chrome.text("#submitted-ratings")  # now Ira sees Dana's
    sign_out(chrome)

    # The moderator sees the disagreement, agrees a level with a reason, puts it up for sign-off.
    sign_in(chrome, url, tokens["maria"])
    chrome.visit(f"{url}/reviews/{REVIEW}")
    row = f"#moderate-{ids[DISPUTED]}"
    assert "disagreement" in chrome.text(row)
    chrome.click(f'{row} select option[value="AR"]')
    chrome.type(f"{row} textarea", "Agreed at the moderation meeting: the plan exists, the routines do not.")
    chrome.click(f'{row} button[value="agree"]')
    chrome.wait_for_url("done=agreed")
    assert "The agreed judgment is recorded." in chrome.text()
    assert "agreed by" in chrome.text(row)
    chrome.click("#submit-for-signoff")
    chrome.wait_for_url("done=submit")
    assert chrome.text("#state") == "SUBMITTED"
    sign_out(chrome)

    # The approver accepts it and downloads the accepted review.
    sign_in(chrome, url, tokens["aled"])
    chrome.visit(f"{url}/reviews/{REVIEW}")
    chrome.type("#signoff-reason", "Evidence checked against the interviews.")
    chrome.click("#accept")
    chrome.wait_for_url("done=accept")
    assert chrome.text("#state") == "ACCEPTED"
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    chrome.devtools("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    chrome.click("#download-yaml")
    document = _downloaded(downloads, f"{REVIEW}.yaml")
    chrome.visit(f"{url}/reviews/{REVIEW}/events")
    assert "accepted" in chrome.text() and "Evidence checked" in chrome.text()

    # The downloaded document scores the same under the CLI as on the server.
    cli = subprocess.run([sys.executable, "-m", "stocktake", "review", str(document), "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    scored = server.request("GET", f"/v1/reviews/{REVIEW}/scored", token=tokens["aled"])
    assert scored.status == 200, scored.body
    ours, theirs = json.loads(cli.stdout), scored.json()
    assert ours["judgments"] == theirs["judgments"]
    assert ours["summary"] == theirs["summary"]
    agreed = next(j for j in ours["judgments"] if j["subject"] == f"component:{ids[DISPUTED]}")
    assert agreed["rating"] == "AR" and agreed["override"]["reason"].startswith("Agreed at the moderation")


def _downloaded(folder, name: str):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        path = folder / name
        if path.is_file() and not list(folder.glob("*.crdownload")):
            return path
        time.sleep(0.1)
    raise AssertionError(f"the browser did not download {name}: {sorted(p.name for p in folder.iterdir())}")
