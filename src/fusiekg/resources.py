"""Where the shipped sources live: inside the wheel (`fusiekg/_resources`) or, in a checkout, at the repo root."""

from functools import cache
from pathlib import Path

_PACKAGED = Path(__file__).resolve().parent / "_resources"
_CHECKOUT = Path(__file__).resolve().parents[2]


@cache
def root() -> Path:
    """The folder holding ontology/, shapes/, data/, queries/ and examples/."""
    if (_PACKAGED / "ontology").is_dir():
        return _PACKAGED
    return _CHECKOUT


def path(*parts: str) -> Path:
    return root().joinpath(*parts)
