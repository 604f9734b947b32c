"""Source data → RDF: one module per source (TOOI register, register of fusions), one error type for bad input."""

from __future__ import annotations

from pathlib import Path


class SourceDataError(ValueError):
    """A source file is missing or says something the importer cannot turn into facts; names the file and place."""

    def __init__(self, path: Path | str, where: str | None, message: str):
        self.path, self.where = Path(path), where
        super().__init__(f"{path}{f' ({where})' if where else ''}: {message}")
