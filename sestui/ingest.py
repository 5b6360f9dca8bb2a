"""The ingest pipeline for one byte stream: decompress -> frame -> parse -> store.

A `StreamIngest` is fed raw bytes as a source reads them. It accounts for every line and record
(used, or skipped with a reason) and hands events to the store in batches.
"""

from __future__ import annotations

import zlib

from .decompress import GZIP_MAGIC, BombError, GzipStream
from .events import Event
from .framing import DEFAULT_MAX_RECORD_BYTES, Framed, Framer, Junk
from .parsing import PARSE_ERROR, Batch, parse
from .store import Store

# The skip reason of a line a rotated file was let go in the middle of (see StreamIngest.let_go).
CUT_AT_ROTATION = "cut_at_rotation"


class StreamIngest:
    """Feeds one stream (a file from some offset, stdin, a gzip member chain) into the store."""

    def __init__(
        self,
        store: Store,
        name: str = "-",
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
        max_gzip_ratio: float = 64,
    ) -> None:
        self.store = store
        self.name = name
        self.framer = Framer(max_record_bytes)
        self.max_gzip_ratio = max_gzip_ratio
        self._gzip: GzipStream | None = None
        self._sniffed = False
        self._head = b""
        self._failed = False  # a decompression error stopped this stream
        self._skip = 0  # decompressed bytes still to drop (see skip)
        self._cut_owed = False  # see expect_cut_line
        self.error: str | None = None

    def feed(self, data: bytes) -> None:
        """Ingest a chunk of raw bytes."""
        if self._failed or not data:
            return
        if not self._sniffed:
            # gzip is known by its first two bytes, which may arrive in separate reads.
            data = self._head + data
            if len(data) < len(GZIP_MAGIC) and GZIP_MAGIC.startswith(data):
                self._head = data
                return
            self._head = b""
            self._sniffed = True
            if data[:2] == GZIP_MAGIC:
                self._gzip = GzipStream(self.max_gzip_ratio)
        lines_before = self.framer.lines
        framed: list[Framed] = []
        if self._gzip is not None:
            try:
                for piece in self._gzip.feed(data):
                    if self._skip:
                        dropped = min(self._skip, len(piece))
                        self._skip -= dropped
                        piece = piece[dropped:]
                    if piece and self._cut_owed:
                        self._settle_cut()
                    framed.extend(self.framer.feed(piece))
            except (BombError, zlib.error) as exc:
                self._fail(exc, framed)
        else:
            if self._cut_owed:
                self._settle_cut()
            framed = self.framer.feed(data)
        self._consume(framed, self.framer.lines - lines_before, len(data))

    def skip(self, n: int) -> None:
        """Drop the first `n` bytes the gzip data decompresses to: they were read elsewhere (the
        plain file a .gz file is a compressed copy of)."""
        self._skip = n

    @property
    def gzip_complete(self) -> bool:
        """The gzip data read so far ends where a member ends: whole, unless more members follow."""
        return self._gzip is not None and not self._gzip.truncated and not self._failed

    def drain(self) -> None:
        """The reader caught up with the end of a followed file (see Framer.drain)."""
        if not self._failed:
            self._consume(self.framer.drain(), 0, 0)

    def close(self) -> None:
        """End of stream: frame the final line and anything pending."""
        if self._head:  # a stream of one byte
            head, self._head, self._sniffed = self._head, b"", True
            self.feed(head)
        lines_before = self.framer.lines
        framed = self.framer.close()
        if self._gzip is not None and self._gzip.truncated and not self._failed:
            self.store.note(f"{self.name}: gzip data ends mid-stream (truncated file?)")
            framed.append((Junk("truncated_gzip"), b""))
        self._consume(framed, self.framer.lines - lines_before, 0)

    def let_go(self) -> int:
        """End of reading a file its writer may still finish elsewhere (a rotated file let go):
        an unfinished last line is neither framed nor counted, and its length is returned for
        the reader to give back (see `count_cut_line`); otherwise, and for gzip data, as `close`
        (returns 0)."""
        if self._gzip is None and not self._failed and not self._head:
            unfinished = self.framer.unfinished()
            if unfinished:
                return unfinished
        self.close()
        return 0

    def count_cut_line(self) -> None:
        """Count the line given back by `let_go` as skipped (CUT_AT_ROTATION) until it is read
        whole from where it starts (see `expect_cut_line`)."""
        self._count_cut(1)

    def expect_cut_line(self) -> None:
        """This stream's next byte starts a line counted as cut (from the file's compressed copy,
        or the file itself back under a followed name): once that byte is read, the line counts
        as what it is, no longer as cut. A stream that holds no byte there leaves it cut."""
        self._cut_owed = True

    def _settle_cut(self) -> None:
        self._cut_owed = False
        self._count_cut(-1)

    def _count_cut(self, n: int) -> None:
        store = self.store
        with store.lock:
            stats = store.stats
            stats.lines += n
            stats.records += n
            stats.skip(CUT_AT_ROTATION, n)
            if not stats.skipped[CUT_AT_ROTATION]:
                del stats.skipped[CUT_AT_ROTATION]
            store.version += 1

    def _fail(self, exc: Exception, framed: list[Framed]) -> None:
        self._failed = True
        self.error = str(exc)
        reason = "gzip_bomb" if isinstance(exc, BombError) else "bad_gzip"
        framed.append((Junk(reason), b""))
        self.store.note(f"{self.name}: {exc}")

    def _consume(self, framed: list[Framed], lines: int, nbytes: int) -> None:
        events: list[Event] = []
        skipped: dict[str, int] = {}
        inner: dict[str, int] = {}
        for value, raw in framed:
            if type(value) is Junk:
                skipped[value.reason] = skipped.get(value.reason, 0) + 1
                continue
            try:
                result = parse(value, raw)
            except Exception:  # noqa: BLE001 -- a parser bug must cost one record, not the app
                result = PARSE_ERROR
            kind = type(result)
            if kind is Event:
                events.append(result)  # type: ignore[arg-type]
            elif kind is str:
                skipped[result] = skipped.get(result, 0) + 1  # type: ignore[index]
            else:
                _batch(result, events, skipped, inner)  # type: ignore[arg-type]
        store = self.store
        with store.lock:
            stats = store.stats
            stats.lines += lines
            stats.records += len(framed)
            stats.bytes += nbytes
            for reason, n in skipped.items():
                stats.skip(reason, n)
            for reason, n in inner.items():
                stats.skip_inner(reason, n)
            if events:
                store.add_events(events)
            elif lines or framed:
                store.version += 1


def _batch(batch: Batch, events: list[Event], skipped: dict[str, int], inner: dict[str, int]) -> None:
    """Account for a container: used if it yielded an event, else skipped under its main reason."""
    if batch.events:
        events.extend(batch.events)
        for reason in batch.skips:
            inner[reason] = inner.get(reason, 0) + 1
    elif batch.skips:
        reason = max(set(batch.skips), key=lambda r: (batch.skips.count(r), r))
        skipped[reason] = skipped.get(reason, 0) + 1
    else:
        skipped["not_ses"] = skipped.get("not_ses", 0) + 1
