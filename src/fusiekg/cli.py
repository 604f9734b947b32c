"""The `fusiekg` command: a thin layer over the library (build, query, stats, serve, validate, push)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .config import Settings

_FORMAT_TYPES = {"csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/sparql-results+json"}


def _settings(store: str | None) -> Settings:
    return Settings().with_(store_dir=Path(store) if store else None)


store_option = click.option("--store", "store", type=click.Path(file_okay=False), default=None,
                            help="Store folder (default: $FUSIEKG_STORE or ./fusiekg-store).")


class _LazyGroup(click.Group):
    """Commands whose module is heavy (validate loads the SHACL machinery) are imported only when they run, so that
    `fusiekg serve` and `fusiekg query` start fast."""

    lazy = {"validate": ("fusiekg.validation_cli", "validate_cmd")}

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx, name):
        if name in self.lazy and name not in self.commands:
            import importlib  # noqa: PLC0415

            module, attr = self.lazy[name]
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fusiekg")
def main() -> None:
    """Knowledge graph of Dutch ambtelijke fusies: build it, query it, serve it, validate descriptions."""


@main.command()
@store_option
@click.option("--include", "includes", multiple=True, type=click.Path(dir_okay=False),
              help="Add your own RDF file (TriG/N-Quads keep their graph names). Repeatable.")
@click.option("--reasoner", type=click.Choice(["reasonable", "owlrl"]), default="reasonable", show_default=True,
              help="reasonable: fast, the same closure as owlrl on the shipped graphs; owlrl: the pure-Python "
                   "reference, minutes.")
def build(store, includes, reasoner) -> None:
    """Load the sources, reason (OWL-RL), check the shapes and write the store and dumps."""
    from .build import BuildError
    from .build import build as run_build

    try:
        manifest = run_build(_settings(store), includes=tuple(Path(i) for i in includes), reasoner=reasoner)
    except BuildError as exc:
        raise click.ClickException(str(exc)) from exc
    for name, n in manifest["graphs"].items():
        click.echo(f"{n:>9}  {name}")
    click.echo(f"{manifest['triples']:>9}  triples in total; build took {manifest['timings_s']['total']:.1f} s")


def _read_query(query: str) -> str:
    p = Path(query)
    if len(query) < 4096 and "\n" not in query and p.suffix in {".rq", ".sparql"}:
        if not p.is_file():
            raise click.ClickException(f"no query file {query}")
        return p.read_text(encoding="utf-8")
    if query == "-":
        return sys.stdin.read()
    return query


def _table(payload: bytes) -> str:
    data = json.loads(payload)
    if "boolean" in data:
        return "true" if data["boolean"] else "false"
    names = data["head"]["vars"]
    rows = [[b.get(v, {}).get("value", "") for v in names] for b in data["results"]["bindings"]]
    widths = [min(60, max([len(n)] + [len(r[i]) for r in rows])) for i, n in enumerate(names)]
    fmt = lambda cells: "  ".join(c[:w].ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    lines = [fmt(names), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]
    return "\n".join(lines) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})"


@main.command()
@store_option
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table",
              show_default=True, help="SELECT/ASK output; CONSTRUCT/DESCRIBE always print Turtle.")
@click.option("--max-rows", type=int, default=None, help="Cut the result after this many rows (default: the whole "
                                                         "answer).")
def query(store, query, fmt, max_rows) -> None:
    """Run a SPARQL QUERY (text, a .rq file, or - for stdin) on the store; prints the whole answer."""
    from . import sparql
    from .store import LocalStore, StoreMissing

    settings = _settings(store)
    text = _read_query(query)
    try:
        st = LocalStore(settings.store_dir)
        info = sparql.analyse(text)
        media = None if info.form in ("CONSTRUCT", "DESCRIBE") else _FORMAT_TYPES.get(fmt, _FORMAT_TYPES["json"])
        from .namespaces import PREFIXES

        res = sparql.run(st, text, media, max_rows=max_rows or 0, prefixes=PREFIXES)
    except StoreMissing as exc:
        raise click.ClickException(str(exc)) from exc
    except (sparql.QuerySyntaxError, sparql.QueryRefused) as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "table" and res.media_type == _FORMAT_TYPES["json"]:
        click.echo(_table(res.body))
    else:
        for chunk in res.chunks():
            sys.stdout.buffer.write(chunk)
        res.close()
    if res.truncated:
        click.echo(f"(result cut at {max_rows} rows)", err=True)


@main.command()
@store_option
def stats(store) -> None:
    """Print the triples in each named graph of the store."""
    from .store import StoreMissing, read_manifest

    try:
        manifest = read_manifest(_settings(store).store_dir)
    except StoreMissing as exc:
        raise click.ClickException(str(exc)) from exc
    for name, n in manifest["graphs"].items():
        click.echo(f"{n:>9}  {name}")
    click.echo(f"{manifest['triples']:>9}  total (built {manifest['built_at']}, reasoner {manifest['reasoner']})")


@main.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="Web worker processes (default: one per core).")
@click.option("--threads", default=None, type=int,
              help="Request threads (and query processes) per worker (default 4).")
@click.option("--server", "wsgi_server", type=click.Choice(["granian", "gunicorn"]), default="granian",
              envvar="FUSIEKG_SERVER", show_default=True,
              help="HTTP server ($FUSIEKG_SERVER); both give the same endpoint, granian answers more requests per "
                   "second.")
@click.option("--sparql-url", default=None, help="Serve over an external SPARQL 1.1 endpoint instead of the store.")
@click.option("--gsp-url", default=None, help="Graph Store Protocol URL of that external store.")
@click.option("--public-base", default=None, help="Public base URL of this service (links on pages use it).")
@click.option("--query-timeout", type=float, default=None, help="Seconds a query may run (default 30).")
@click.option("--max-rows", type=int, default=None,
              help="Cut answers after this many rows (default: no cap, answers are complete).")
@click.option("--max-result-bytes", type=int, default=None,
              help="Refuse (422) an answer longer than this many bytes (default 536870912; 0: no limit).")
@click.option("--send-timeout", type=float, default=None,
              help="Seconds a client may stop reading an answer before it is disconnected (default 60).")
def serve(store, host, port, workers, threads, wsgi_server, sparql_url, gsp_url, public_base, query_timeout,
          max_rows, max_result_bytes, send_timeout) -> None:
    """Serve the SPARQL endpoint, pages and validation; builds the store first when it is missing or stale."""
    from .build import BuildError, ensure_built
    from .web.server import THREADS_PER_WORKER, AddressUnavailable, check_address, run_server

    settings = _settings(store).with_(sparql_url=sparql_url, gsp_url=gsp_url, public_base=public_base,
                                      query_timeout_s=query_timeout, max_rows=max_rows,
                                      max_result_bytes=max_result_bytes, send_timeout_s=send_timeout)
    if workers is not None and workers < 1 or threads is not None and threads < 1:
        raise click.BadParameter("--workers and --threads must be at least 1")
    try:
        check_address(host, port)  # before a build of a minute and a half, not after it
        if not settings.sparql_url:
            ensure_built(settings)
        run_server(settings, host=host, port=port, workers=workers, threads=threads or THREADS_PER_WORKER,
                   server=wsgi_server)
    except (BuildError, AddressUnavailable) as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@store_option
@click.option("--to", "gsp_url", required=True, help="Graph Store Protocol URL, e.g. http://127.0.0.1:7878/store")
@click.option("--sparql-url", default=None, help="SPARQL endpoint of the same server, to verify triple counts.")
def push(store, gsp_url, sparql_url) -> None:
    """Load the built graphs into an external store, one named graph at a time, and verify the counts."""
    from .remote import RemoteError
    from .remote import push as run_push
    from .store import StoreMissing

    try:
        counts = run_push(_settings(store).store_dir, gsp_url, sparql_url)
    except (StoreMissing, RemoteError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"pushed {sum(counts.values())} triples in {len(counts)} graphs")


