"""Where an answer is written before anyone sends it: in memory while small, in a nameless temporary file when
large, and never past a byte limit.

A `200` is sent only for a complete answer, so the whole answer must exist somewhere before the status line goes
out; holding a large one in memory would make a million-row answer cost a worker gigabytes. A `Spool` is the
file-like sink that pyoxigraph's writers write into: up to `MEMORY_BYTES` it is a `BytesIO`, past that it moves to
`tempfile.TemporaryFile` (on Linux opened with `O_TMPFILE`, so it never has a name: nothing is left on disk when
the process holding it dies, is killed at the time limit, or a client goes away). Past `max_bytes` the next write
raises `AnswerTooLarge`, which stops the writer.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

# Answers up to this size stay in memory (and may be cached and sent whole); larger ones go to a temporary file.
MEMORY_BYTES = 4 * 1024 * 1024
CHUNK_BYTES = 64 * 1024


class AnswerTooLarge(Exception):
    """The answer passed the byte limit; the writer was stopped."""

    def __init__(self, limit: int):
        super().__init__(f"the answer is larger than {limit} bytes")
        self.limit = limit


class Spool:
    """A write-only file for pyoxigraph's writers that counts bytes; read it back with `data`/`file` or `chunks`."""

    def __init__(self, max_bytes: int = 0, memory_bytes: int = MEMORY_BYTES):
        self.max_bytes, self.memory_bytes = max_bytes, memory_bytes
        self.size = 0
        self.overflowed = False  # set before AnswerTooLarge is raised: pyoxigraph may wrap the exception
        self._buf: io.BytesIO | None = io.BytesIO()
        self._file: BinaryIO | None = None

    def write(self, data) -> int:
        n = len(data)
        if self.max_bytes and self.size + n > self.max_bytes:
            self.overflowed = True
            raise AnswerTooLarge(self.max_bytes)
        self.size += n
        if self._file is None and self.size > self.memory_bytes:
            self._file = tempfile.TemporaryFile(prefix="fusiekg-answer-")
            self._file.write(self._buf.getbuffer())
            self._buf = None
        (self._file if self._file is not None else self._buf).write(data)
        return n

    def flush(self) -> None:
        pass

    @property
    def in_memory(self) -> bool:
        return self._file is None

    def data(self) -> bytes:
        """The answer, when it is in memory."""
        assert self._buf is not None, "a spooled file is read with file() or chunks()"
        return self._buf.getvalue()

    def file(self) -> BinaryIO:
        """The temporary file holding the answer, at its start; the caller now owns it (and closes it)."""
        f, self._file = self._file, None
        f.flush()
        f.seek(0)
        return f

    def reader(self):
        """Something pyoxigraph's parsers read from: the bytes, or the file at its start (still owned here)."""
        if self._file is None:
            return self.data()
        self._file.flush()
        self._file.seek(0)
        return self._file

    def copy_to(self, sink) -> None:
        source = self.reader()
        if isinstance(source, bytes):
            sink.write(source)
        else:
            shutil.copyfileobj(source, sink, CHUNK_BYTES)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._buf = None

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def chunks(f: BinaryIO, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The rest of a file in chunks, closing it at the end (or when the consumer stops early)."""
    try:
        while chunk := f.read(size):
            yield chunk
    finally:
        f.close()
