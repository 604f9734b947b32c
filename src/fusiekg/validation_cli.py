"""`fusiekg validate FILE...`: check descriptions of (new) ambtelijke fusies from the command line.

A thin layer over `validation.validate`, so the CLI and the web page give the same answers. Exit status: 0 when every
file conforms (warnings and info allowed), 1 when a file has a violation, 2 when a file cannot be read or checked
(syntax error with line and column, too large, time limit); 2 wins over 1.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import click
from rdflib import Graph

from . import validation
from .namespaces import bind_all
from .rdfinput import InputError, InputTooLarge

_FORMATS = ["turtle", "ntriples", "json-ld", "rdfxml", "trig", "nquads"]
_OUTPUTS = ["text", "turtle", "json-ld", "json"]


def _read(path: str, max_bytes: int) -> tuple[bytes, str | None, str | None]:
    """The bytes of a file (or stdin for "-"), its name for format detection and its base IRI."""
    if path == "-":
        return sys.stdin.buffer.read(max_bytes + 1), None, None
    p = Path(path)
    with p.open("rb") as f:  # read one byte past the limit, so a huge file is refused without reading it all
        data = f.read(max_bytes + 1)
        if len(data) > max_bytes:  # say the file's size, not the limit + 1 that was read
            size = os.fstat(f.fileno()).st_size
            raise InputTooLarge(f"Het bestand is {size} bytes; de grens is {max_bytes} bytes (--max-bytes).",
                                en=f"The file is {size} bytes; the limit is {max_bytes} bytes (--max-bytes).")
        return data, p.name, p.resolve().as_uri()


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(_FORMATS, case_sensitive=False), default=None,
              help="Syntax of the files (default: from the file extension, else a guess).")
@click.option("--lang", type=click.Choice(list(validation.LANGUAGES)), default="nl", show_default=True,
              help="Language of the messages.")
@click.option("--output", type=click.Choice(_OUTPUTS), default="text", show_default=True,
              help="text: readable; json: plain JSON (one object, or a list for several files); "
                   "turtle / json-ld: the SHACL validation report as RDF.")
@click.option("--max-bytes", type=int, default=validation.DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse larger files.")
@click.option("--timeout", "timeout_s", type=float, default=validation.DEFAULT_TIMEOUT_S, show_default=True,
              help="Seconds one file may take.")
def validate_cmd(files, fmt, lang, output, max_bytes, timeout_s) -> None:
    """Validate descriptions of (new) ambtelijke fusies against the shapes and the TOOI municipalities.

    Exit status 0: all conform (warnings allowed); 1: violations; 2: a file cannot be read or checked.
    """
    logging.getLogger("rdflib").setLevel(logging.ERROR)  # rdflib logs every odd literal; the report says enough
    status = 0
    reports: list[validation.ValidationReport] = []
    entries: list[dict] = []
    for path in files:
        name = path if path != "-" else "<stdin>"
        try:
            data, filename, base = _read(path, max_bytes)
            if not data.strip():  # as POST /validate answers an empty body: nothing to check, not a violation
                raise InputError("Het bestand is leeg; er is geen beschrijving om te controleren.",
                                 en="The file is empty; there is no description to check.")
            report = validation.validate(data, fmt=fmt, filename=filename, lang=lang, max_bytes=max_bytes,
                                         timeout_s=timeout_s, base=base)
        except OSError as exc:
            status = 2
            message = (f"kan niet lezen: {exc.strerror or exc}" if lang == "nl"
                       else f"cannot read: {exc.strerror or exc}")
            click.echo(f"{name}: {message}", err=True)
            entries.append({"source": name, "error": {"message": message, "line": None, "column": None}})
            continue
        except (InputError, validation.ValidationTimeout) as exc:
            status = 2
            click.echo(f"{name}: {exc.localized(lang)}", err=True)
            entries.append({"source": name, "error": {
                "message": exc.localized(lang), "line": getattr(exc, "line", None),
                "column": getattr(exc, "column", None)}})
            continue
        report.source = name
        reports.append(report)
        entries.append(report.to_dict())
        if not report.conforms and status == 0:
            status = 1

    if output == "text":
        for i, report in enumerate(reports):
            click.echo(("\n" if i else "") + report.to_text(), nl=False)
    elif output == "json":
        click.echo(json.dumps(entries[0] if len(entries) == 1 else entries, ensure_ascii=False, indent=2))
    else:
        merged = Graph()
        bind_all(merged)
        for report in reports:
            merged += report.to_graph()
        click.echo(merged.serialize(format="turtle" if output == "turtle" else "json-ld"), nl=False)
    sys.exit(status)
