"""Large descriptions are validated in a process of their own that has ended when the answer comes, so their memory
never stays with the web worker; the report is the same as in the worker, and the time limit stops the work."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from conftest import processes, wait_until
from fusiekg import validation, validation_process
from fusiekg.config import Settings
from fusiekg.validation import ValidationTimeout
from fusiekg.web import create_app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ALL_EXAMPLES = sorted(p for kind in ("valid", "invalid", "advice") for p in (EXAMPLES / kind).iterdir())
JSON = "application/json"


def many_fusions(limit_bytes: int) -> bytes:
    """A valid description of as many (invented) fusions as fit in `limit_bytes`: the shipped example, repeated
    under other IRIs. Checking it costs more than linear time in its size (about 100 s for 1 MB here)."""
    text = (EXAMPLES / "valid" / "werkorganisatie-drie-gemeenten.ttl").read_text(encoding="utf-8")
    head, _, body = text.partition("ex:voorbeeld-werkorganisatie-dbz a")
    body = "ex:voorbeeld-werkorganisatie-dbz a" + body
    parts, size, i = [head], len(head), 0
    while size + len(body) + 16 <= limit_bytes:
        part = body.replace("voorbeeld-werkorganisatie-dbz", f"kopie-{i}")
        parts.append(part)
        size += len(part)
        i += 1
    return "".join(parts).encode("utf-8")


def _gone(pid: int) -> bool:
    """The process has ended (a zombie waiting for its parent counts as ended)."""
    info = processes().get(pid)
    return info is None or info["state"] in ("Z", "X")


def _group_gone(pgid: int) -> bool:
    return all(info["state"] in ("Z", "X") for info in processes().values() if info["pgid"] == pgid)


def _without_blank_ids(text: str) -> str:
    """Blank node labels are made anew at every parse: compare reports without them."""
    return re.sub(r"_:[A-Za-z0-9]+", "_:b", text)


def test_a_large_description_is_checked_in_a_process_that_has_ended_when_the_answer_comes(store_dir):
    app = create_app(Settings(store_dir=store_dir, validate_isolate_bytes=500))
    client = app.test_client()
    data = (EXAMPLES / "valid" / "centrumconstructie.ttl").read_bytes()
    assert len(data) > 500
    runs = validation_process.stats["runs"]
    resp = client.post("/validate", data=data, content_type="text/turtle", headers={"Accept": JSON})
    assert resp.status_code == 200 and resp.get_json()["conforms"] is True
    assert validation_process.stats["runs"] == runs + 1
    child = validation_process.stats["last_pid"]
    assert child != os.getpid() and _gone(child)
    # The next one runs in a new process, forked from the same template (the engine is not loaded again).
    template = validation_process.stats["template_pid"]
    invalid = (EXAMPLES / "invalid" / "geen-naam.ttl").read_bytes()
    assert len(invalid) > 500
    resp = client.post("/validate", data=invalid, content_type="text/turtle", headers={"Accept": JSON})
    assert resp.status_code == 200 and resp.get_json()["conforms"] is False
    assert validation_process.stats["runs"] == runs + 2
    assert validation_process.stats["last_pid"] != child and _gone(validation_process.stats["last_pid"])
    assert validation_process.stats["template_pid"] == template and not _gone(template)
    # Every report format is written from the report that came back (the page names the rule and the subject).
    page = client.post("/validate?lang=en", data=invalid, content_type="text/turtle", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Does not conform" in page.get_data(as_text=True)
    turtle = client.post("/validate", data=invalid, content_type="text/turtle", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and "sh:ValidationReport" in turtle.get_data(as_text=True)
    assert validation_process.stats["runs"] == runs + 4


def test_a_description_up_to_the_size_stays_in_the_worker(store_dir):
    data = (EXAMPLES / "valid" / "centrumconstructie.ttl").read_bytes()
    app = create_app(Settings(store_dir=store_dir, validate_isolate_bytes=len(data)))
    runs = validation_process.stats["runs"]
    resp = app.test_client().post("/validate", data=data, content_type="text/turtle", headers={"Accept": JSON})
    assert resp.status_code == 200 and resp.get_json()["conforms"] is True
    assert validation_process.stats["runs"] == runs


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_report_is_the_same_as_in_the_worker_in_every_form(path):
    data = path.read_bytes()
    here = validation.validate(data, filename=path.name, lang="en")
    there = validation_process.validate(data, filename=path.name, lang="en", isolate_bytes=0)
    assert there.conforms == here.conforms and there.source == here.source == path.name
    assert _without_blank_ids(there.to_json()) == _without_blank_ids(here.to_json())
    assert _without_blank_ids(there.to_text()) == _without_blank_ids(here.to_text())
    assert isomorphic(there.to_graph(), here.to_graph())  # paths and blank nodes travel with the report


def test_unreadable_input_is_the_same_clear_error():
    bad = b"@prefix : <http://a/> .\n:a :b :c .\n:a :b \n :c :d .\n"
    with pytest.raises(validation.InputError) as here:
        validation.validate(bad, fmt="turtle")
    with pytest.raises(validation.InputError) as there:
        validation_process.validate(bad, fmt="turtle", isolate_bytes=0)
    assert (there.value.line, there.value.column, there.value.localized("en")) == \
        (here.value.line, here.value.column, here.value.localized("en"))


def test_past_the_time_limit_the_process_is_killed_and_the_next_description_is_checked():
    """A description that takes about a hundred times the limit to check (a limit far below its cost)."""
    big = many_fusions(990_000)
    with pytest.raises(ValidationTimeout) as err:
        validation_process.validate(big, fmt="turtle", isolate_bytes=0, timeout_s=1.0)
    assert "1 s" in err.value.localized("en")
    template = validation_process.stats["template_pid"]
    # The template and the child checking the description are stopped, not left running on.
    wait_until(lambda: _group_gone(template), "the validation processes were not stopped")
    small = (EXAMPLES / "valid" / "centrumconstructie.ttl").read_bytes()
    assert validation_process.validate(small, fmt="turtle", isolate_bytes=0).conforms
    assert validation_process.stats["template_pid"] != template


def test_over_http_the_time_limit_is_a_503_with_a_clear_message(store_dir):
    app = create_app(Settings(store_dir=store_dir, validate_isolate_bytes=0, validate_timeout_s=1.0))
    resp = app.test_client().post("/validate?lang=en", data=many_fusions(990_000), content_type="text/turtle",
                                  headers={"Accept": JSON})
    assert resp.status_code == 503
    assert "stopped" in json.loads(resp.data)["message"]
