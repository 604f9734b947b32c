"""The ROO records read straight from the YAML, without the importer, so that tests can count for themselves."""

from __future__ import annotations

from functools import cache

import yaml

from fusiekg import resources
from fusiekg.importers import roo

FOLDER = resources.path("data", "register", roo.FOLDER)


@cache
def read_records() -> dict[str, dict]:
    """The YAML records by file name, read without the importer."""
    return {p.name: yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) for p in FOLDER.glob("*.yaml")}


def chains(records: dict[str, dict]) -> list[list[dict]]:
    """Versions linked by previous/next_version, each group in order of coming into force (our own reading)."""
    by_id = {str(r["identifiers"]["roo_id"]): r for r in records.values()
             if (r.get("gr_meta") or {}).get("deelnemende_organisaties")}
    parent = {rid: rid for rid in by_id}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x
    for rid, r in by_id.items():
        for key in ("previous_version", "next_version"):
            other = str((r["gr_meta"].get(key) or {}).get("roo_id") or "")
            if other in by_id:
                parent[find(rid)] = find(other)
    groups: dict[str, list[dict]] = {}
    for rid, r in by_id.items():
        groups.setdefault(find(rid), []).append(r)
    return [sorted(g, key=lambda r: str(r["gr_meta"]["datum_inwerkingtreding"])) for g in groups.values()]


def in_force(version: dict, day: str) -> bool:
    meta = version["gr_meta"]
    return str(meta["datum_inwerkingtreding"]) <= day and (not meta.get("datum_uitwerkingtreding")
                                                           or str(meta["datum_uitwerkingtreding"]) > day)


def lists(version: dict, iri: str) -> bool:
    return any(e.get("tooi") == iri for e in version["gr_meta"]["deelnemende_organisaties"])


def taking_part(records, iri: str, day: str) -> set[str]:
    """ROO ids of the first versions of the regelingen `iri` takes part in on `day`: from its earliest join date
    until the start of the first later version that no longer lists it, or the end of the last version."""
    out = set()
    for chain in chains(records):
        listing = [i for i, v in enumerate(chain) if lists(v, iri)]
        if not listing:
            continue
        joined = min(str(e["toetredings_datum"]) for i in listing
                     for e in chain[i]["gr_meta"]["deelnemende_organisaties"] if e.get("tooi") == iri)
        last = listing[-1]
        end = (chain[last + 1]["gr_meta"]["datum_inwerkingtreding"] if last + 1 < len(chain)
               else chain[-1]["gr_meta"].get("datum_uitwerkingtreding"))
        if joined <= day and (not end or str(end) > day):
            out.add(str(chain[0]["identifiers"]["roo_id"]))
    return out
