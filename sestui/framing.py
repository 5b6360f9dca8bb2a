"""Bytes to JSON records.

A `Framer` is fed raw chunks from one source and returns framed records. It auto-detects, per
line and mixed freely in one stream:

* JSON Lines (LF or CRLF, optional UTF-8 BOM) -- the fast path: one typed decode per line;
* `aws logs tail` output (detailed, short, coloured, `--format json` pretty-printed), Lambda log
  lines, and anything else that has a prefix before the JSON value;
* pretty-printed JSON spanning several lines, and values concatenated with no separator
  (`}{`, as Kinesis Firehose writes them).

Every physical line is counted, and every framed record is either a decoded JSON value or a
`Junk` marker saying why it could not be framed, so nothing disappears silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .records import DECODER, NOT_A_RECORD, UNDECODABLE, decode_json

DEFAULT_MAX_RECORD_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"
_ANSI = re.compile(rb"\x1b\[[0-9;]*m")
# `aws logs tail`: "2018-01-01T00:29:43.079060+00:00 stream_name " or "2018-01-01T00:29:43 ".
_TAIL_PREFIX = re.compile(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?(?: \S+)? ?$")
# A Python Lambda's log line opens with its level: "[INFO]\t2025-11-20T12:00:00.000Z\t<request id>\t".
_LOG_LEVEL = re.compile(rb"\[(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|TRACE)\]\s")
_TIMESTAMP_START = re.compile(rb"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
_TOKEN = re.compile(rb'[{}\[\]"]')
_STRING_REST = re.compile(rb'(?:[^"\\]|\\.)*"', re.S)
_SPACE = b" \t\r\n\x0b\x0c"
_SPACE_OR_COMMA = _SPACE + b","
_OPENERS = (b"{", b"[")
_BEFORE_VALUE = (b"[", b",", b":")  # a JSON value may follow these
_RECORDS_OPEN = re.compile(rb'\s*\{\s*"Records"\s*:\s*\[')


class Junk:
    """A framed record that is not a JSON value; `reason` is its skip-counter name."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Junk({self.reason!r})"


INVALID_JSON = Junk("invalid_json")
NOT_JSON = Junk("not_json")
OVERSIZED = Junk("oversized")
BLANK = Junk("blank")

# (decoded value or Junk, the record's bytes)
Framed = tuple[object, bytes]


@dataclass(slots=True)
class _Pending:
    """A JSON value spread over several lines, still waiting for its closing bracket."""

    parts: list[bytes]
    size: int
    depth: int
    in_string: bool
    prefix: bytes = b""  # a bare log-tail prefix line waiting for the value it introduces
    oversized: bool = False  # too big to keep: only its end is looked for
    # How the value is laid out, to tell its next line from a fresh record after a truncated one:
    # whether its first line ends opening it ("{", '{"Records": ['), whether its lines are
    # indented (None until a second line is seen), and the last non-blank byte so far.
    opened: bool = True
    indented: bool | None = None
    last: bytes = b"["


class Framer:
    """Incremental framer for one byte stream. Not thread-safe; one per source."""

    def __init__(self, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> None:
        self.max_record_bytes = max_record_bytes
        self.lines = 0  # physical lines seen (a final line without newline counts at close)
        self._partial: list[bytes] = []
        self._partial_size = 0
        self._discarding = False  # inside an oversized line, dropping bytes until its newline
        self._quiet = False  # the bytes being dropped were accounted for already
        # Inside a `{"Records": [...]}` line too long to hold whole (a busy account's CloudTrail
        # file): its elements are framed one by one as they complete.
        self._records = False
        self._skipping: tuple[int, bool] | None = None  # (depth, in string) in a skipped element
        self._pending: _Pending | None = None
        self._started = False
        self._drained = False  # values of the unterminated last line were framed by drain()

    def feed(self, chunk: bytes) -> list[Framed]:
        """Frame a chunk; a trailing partial line stays buffered until its newline arrives."""
        out: list[Framed] = []
        if not chunk:
            return out
        if not self._started:
            self._started = True
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
        newline = chunk.find(b"\n")
        if newline < 0:
            self._buffer(chunk, out)
            return out
        if self._records or self._discarding or self._partial or self._drained:
            self.lines += 1
            self._end_line(chunk[:newline], out)
            chunk = chunk[newline + 1 :]
        lines = chunk.split(b"\n")
        tail = lines.pop()
        self.lines += len(lines)
        limit = self.max_record_bytes
        decode = DECODER.decode
        append = out.append
        for line in lines:
            # Fast path: a whole JSON Lines record that fits the schema.
            if self._pending is None and line[:1] == b"{" and len(line) <= limit:
                try:
                    append((decode(line), line))
                    continue
                except NOT_A_RECORD:
                    pass
            self._line(line, out)
        if tail:
            self._buffer(tail, out)
        return out

    def close(self) -> list[Framed]:
        """End of input: frame the final unterminated line and anything still pending."""
        out: list[Framed] = []
        if self._records or self._discarding or self._partial or self._drained:
            self.lines += 1
            self._end_line(b"", out)
        if self._pending is not None:
            self._flush_pending(out)
        return out

    def drain(self) -> list[Framed]:
        """The reader caught up with the end of a followed file: frame the complete values of
        its unterminated last line now (and the pretty-printed value that line ends), and keep
        an unfinished rest buffered.

        Firehose objects and decompressed CloudTrail files end without a newline, so waiting
        for one would hide their records for good. A complete JSON object or array cannot grow
        into a longer single value, so framing it early gives what the newline would have; a
        line still being written is incomplete JSON and stays buffered.
        """
        out: list[Framed] = []
        if not self._partial or self._records or self._discarding:
            return out
        data = _tidy(b"".join(self._partial))  # as the line is tidied when its newline comes
        consumed = 0
        if self._pending is not None:
            # A pretty-printed value whose closing line has no newline (`json.dump(indent=2)`).
            consumed = self._ends_pending(data, out)
            if not consumed:
                return out
        consumed += self._drain_values(data[consumed:], out)
        if consumed:
            rest = data[consumed:]
            self._partial = [rest] if rest else []
            self._partial_size = len(rest)
            self._drained = True  # the line is counted when its newline (or the end) comes
        return out

    def unfinished(self) -> int:
        """Bytes of the unterminated last line when nothing was framed from it and it is all
        that is held (no pretty-printed value or long `Records` line around it); else 0."""
        if self._pending is not None or self._records or self._discarding or self._drained:
            return 0
        return self._partial_size

    @property
    def buffered(self) -> int:
        """Bytes held waiting for a newline or a closing bracket."""
        pending = self._pending.size if self._pending else 0
        return self._partial_size + pending

    # -- internals ---------------------------------------------------------------------------

    def _end_line(self, piece: bytes, out: list[Framed]) -> None:
        """The line whose start is buffered ends with `piece`."""
        if self._records or self._partial_size + len(piece) > self.max_record_bytes:
            # Framed as it streams by (see _over_limit), even when the limit is passed only now.
            self._buffer(piece, out)
            piece = b""
            if self._records:
                self._finish_records(out)
        if self._discarding:
            self._end_discard(out)
        elif self._partial or self._drained:
            self._partial.append(piece)
            line = b"".join(self._partial)
            self._partial.clear()
            self._partial_size = 0
            self._last_line(line, out)
        self._drained = False

    def _buffer(self, piece: bytes, out: list[Framed]) -> None:
        if self._discarding:
            return
        self._partial.append(piece)
        self._partial_size += len(piece)
        if self._records:
            after = self._drain_records(out)
            if after is not None:
                self._over_limit(after, out)
        elif self._partial_size > self.max_record_bytes:
            data = b"".join(self._partial)
            self._partial.clear()
            self._over_limit(data, out)

    def _over_limit(self, data: bytes, out: list[Framed]) -> None:
        """Frame what a line longer than the limit holds so far, `data`, as it streams by: values
        concatenated without newlines (Firehose) as they complete, a `{"Records": [...]}` object
        longer than the limit element by element, and any other value longer than the limit is
        dropped as oversized rather than buffered whole. Which of these a line holds never
        depends on where reads split it."""
        data = _tidy(data)  # as a short line is
        if self._pending is not None:
            # The line may first end a pretty-printed value, as a short one would.
            ended = self._ends_pending(data, out)
            if ended:
                self._drained = True
                data = data[ended:]
        while True:
            consumed = self._drain_values(data, out)
            self._drained = self._drained or consumed > 0
            rest = data[consumed:]
            records = _RECORDS_OPEN.match(rest) if self._pending is None else None
            if records is None:
                break
            self._records = True
            self._partial, self._partial_size = [rest[records.end() :]], len(rest) - records.end()
            after = self._drain_records(out)
            if after is None:
                return
            data = after
            if len(data) <= self.max_record_bytes:
                self._partial, self._partial_size = ([data] if data else []), len(data)
                return
        if len(rest) > self.max_record_bytes:
            self._discarding = True
            self._partial, self._partial_size = [], 0
        else:
            self._partial, self._partial_size = ([rest] if rest else []), len(rest)

    def _end_discard(self, out: list[Framed]) -> None:
        self._discarding = False
        if self._quiet:
            self._quiet = False
        else:
            out.append((OVERSIZED, b""))

    def _drain_records(self, out: list[Framed]) -> bytes | None:
        """Frame the complete elements of a streamed `Records` array, each as a `Records` file of
        one, so the parser reads it with the same container logic; keep the incomplete rest.
        Once the object closes, the bytes after it on its line (values glued after it)."""
        data = b"".join(self._partial)
        pos, size = 0, len(data)
        if self._skipping is not None:
            end, depth, in_string = _scan(data, 0, *self._skipping)
            if end < 0:
                self._skip_on(data, depth, in_string)
                return None
            self._skipping = None
            pos = end
        while True:
            while pos < size and data[pos] in _SPACE_OR_COMMA:
                pos += 1
            if pos == size:
                break
            if data[pos] == 93:  # ']': the array ends
                after = _skip_space(data, pos + 1)
                if after == size:
                    break  # what follows it is still to come
                if data[after] == 125:  # '}': so does the object
                    self._records = False
                    self._drained = True  # what follows is framed as the rest of a line
                    self._partial, self._partial_size = [], 0
                    return data[after + 1 :]
            elif data[pos] != 123:  # '{': an element; anything else is not
                out.append((INVALID_JSON, data[pos : pos + 64]))
            if data[pos] != 123:
                # The rest of the line closes the object (other keys, junk): its records are
                # all framed.
                self._records = False
                self._discarding = self._quiet = True
                self._partial, self._partial_size = [], 0
                return None
            end, _, _ = _scan(data, pos, 0, False)
            if end < 0:
                break
            if end - pos > self.max_record_bytes:  # as when it streams by in pieces
                out.append((OVERSIZED, b""))
            else:
                out.append(_decode(b'{"Records":[' + data[pos:end] + b"]}"))
            pos = end
        rest = data[pos:]
        if len(rest) > self.max_record_bytes:
            # One element too big to hold: counted now and dropped as it streams by; the
            # elements after it are framed as usual.
            out.append((OVERSIZED, b""))
            _, depth, in_string = _scan(rest, 0, 0, False)
            self._skip_on(rest, depth, in_string)
            return None
        self._partial, self._partial_size = ([rest] if rest else []), len(rest)
        return None

    def _skip_on(self, data: bytes, depth: int, in_string: bool) -> None:
        """Drop the bytes of an element being skipped, remembering where its scan stopped."""
        self._skipping = (depth, in_string)
        # Inside a string, an odd run of trailing backslashes escapes the next chunk's first
        # byte: keep the last one for the next scan.
        run = len(data) - len(data.rstrip(b"\\"))
        carry = b"\\" if in_string and run % 2 else b""
        self._partial, self._partial_size = ([carry] if carry else []), len(carry)

    def _finish_records(self, out: list[Framed]) -> None:
        """The line ended inside a streamed `Records` array (a truncated file): an unfinished
        element counts as invalid JSON."""
        rest = b"".join(self._partial)
        if rest and self._skipping is None and not rest.startswith(b"]"):
            out.append((INVALID_JSON, rest[:64]))
        self._skipping = None
        self._records = self._discarding = self._quiet = False
        self._partial, self._partial_size = [], 0

    def _drain_values(self, data: bytes, out: list[Framed]) -> int:
        """Frame the complete top-level values at the start of `data`; return bytes consumed."""
        pos = _skip_space(data, 0)
        if self._pending is not None or data[pos : pos + 1] not in (b"{", b"["):
            return 0
        while pos < len(data):
            end, _, _ = _scan(data, pos, 0, False)
            if end < 0:
                return pos
            if end - pos <= self.max_record_bytes:
                out.append(_decode(data[pos:end]))
            elif _RECORDS_OPEN.match(data, pos):
                return pos  # framed element by element, as when it is still incomplete
            else:
                out.append((OVERSIZED, b""))
            pos = _skip_space(data, end)
            if data[pos : pos + 1] not in (b"{", b"["):
                return pos
        return pos

    def _last_line(self, line: bytes, out: list[Framed]) -> None:
        """The line that was buffered ended; after a drain, only the rest after its values."""
        if self._drained:
            self._values(_tidy(line), 0, out)
        else:
            self._line(line, out)

    def _line(self, line: bytes, out: list[Framed]) -> None:
        """Frame one physical line outside the fast path."""
        if len(line) > self.max_record_bytes:
            # As if it had streamed by: its `Records` elements or glued values one by one.
            self._buffer(line, out)
            self._end_line(b"", out)
            return
        line = _tidy(line)
        if line.startswith(_BOM):
            line = line[3:]
        if self._pending is not None:
            if not self._resyncs(line):
                self._continue_pending(line, out)
                return
            self._flush_pending(out)
        start = _skip_space(line, 0)
        if start == len(line):
            out.append((BLANK, line))
            return
        if line[start] not in b"{[" or _LOG_LEVEL.match(line, start):
            start = _value_start(line)  # after a prefix: log-tail timestamp, Lambda request id, ...
            if start < 0:
                # A bare `aws logs tail --format json` prefix: its JSON follows on the next lines.
                if _TAIL_PREFIX.match(line):
                    self._pending = _Pending([], len(line), 0, False, line)
                    return
                out.append((NOT_JSON, line))
                return
            # One whole record after a prefix (the usual `aws logs tail` line): a single decode,
            # not a bracket scan, which costs ~50x more on a record-sized line.
            if line[-1:] == b"}":
                value = line[start:]
                try:
                    out.append((DECODER.decode(value), value))
                    return
                except NOT_A_RECORD:
                    pass
        self._values(line, start, out)

    def _values(self, line: bytes, pos: int, out: list[Framed]) -> None:
        """Frame the values from `pos` on; text that is not one is junk, and an unfinished last
        value becomes pending."""
        while True:
            pos = _skip_space(line, pos)
            if pos == len(line):
                return
            if line[pos] not in b"{[":
                out.append((NOT_JSON, line[pos:]))
                return
            end, depth, in_string = _scan(line, pos, 0, False)
            if end < 0:
                piece = line[pos:]
                last = piece.rstrip(_SPACE)[-1:]
                self._pending = _Pending([piece], len(piece), depth, in_string, opened=last in _OPENERS, last=last)
                return
            out.append(_decode(line[pos:end]))
            pos = end

    def _continue_pending(self, line: bytes, out: list[Framed]) -> None:
        pending = self._pending
        assert pending is not None
        if not pending.parts:
            # The line after a bare log-tail prefix must open the value.
            start = _skip_space(line, 0)
            if start == len(line):
                out.append((BLANK, line))
                return
            if line[start] not in b"{[":
                self._flush_pending(out)
                self._line(line, out)
                return
        # JSON strings cannot span lines; a broken one is closed here so depth stays meaningful.
        end, depth, _ = _scan(line, 0, pending.depth, False)
        if end >= 0:
            self._close_pending(line[:end], out)
            self._values(line, end, out)
            return
        pending.depth = depth
        stripped = line.rstrip(_SPACE)
        if stripped:
            if pending.indented is None and pending.parts:
                pending.indented = line[:1] in b" \t"
            pending.last = stripped[-1:]
        if not pending.oversized:
            pending.parts.append(line)
            pending.size += len(line) + 1
            if pending.size > self.max_record_bytes:
                pending.oversized = True
                pending.parts = [b"..."]
                pending.size = 0

    def _close_pending(self, piece: bytes, out: list[Framed]) -> None:
        """The pending value ends with `piece`."""
        pending = self._pending
        assert pending is not None
        self._pending = None
        if pending.oversized:
            out.append((OVERSIZED, b""))
        else:
            pending.parts.append(piece)
            out.append(_decode(b"\n".join(pending.parts)))

    def _ends_pending(self, line: bytes, out: list[Framed]) -> int:
        """Frame the pending value if `line`, the start of its next line, ends it; the bytes
        that took (0: it does not, or a fresh record starts there)."""
        pending = self._pending
        if pending is None or not pending.parts or self._resyncs(line):
            return 0
        end, _, _ = _scan(line, 0, pending.depth, False)
        if end > 0:
            self._close_pending(line[:end], out)
        return max(end, 0)

    def _resyncs(self, line: bytes) -> bool:
        """A line that cannot continue the pending value: the pending one was cut short and a
        fresh record starts here."""
        if _TIMESTAMP_START.match(line):
            return True
        if line[:1] not in _OPENERS:
            return False
        pending = self._pending
        assert pending is not None
        if pending.indented:
            return True  # only the top level of an indented value starts in the first column
        if line.rstrip()[-1:] != b"}" or decode_json(line) is UNDECODABLE:
            return False
        # A whole object on one line is the next element of a value laid out one element per
        # line ('{"Records": [' then '{...},') when the text before it may precede a value; but
        # a single line cut short after a comma is more likely a truncated JSON Lines record.
        laid_out = pending.opened or len(pending.parts) > 1
        return not (laid_out and pending.last in _BEFORE_VALUE)

    def _flush_pending(self, out: list[Framed]) -> None:
        pending = self._pending
        self._pending = None
        if pending is None:
            return
        if pending.oversized:
            out.append((OVERSIZED, b""))
        elif pending.parts:
            out.append((INVALID_JSON, b"\n".join(pending.parts)))
        else:
            out.append((NOT_JSON, pending.prefix))


def starts_afresh(before: bytes, line: bytes, max_record_bytes: int) -> bool:
    """Whether the framer starts a fresh record at `line`, whatever it holds pending, given the
    non-blank line `before` it: `line` is one whole JSON object, and `before` is not a line after
    which a whole object may continue the pending value (it ends in '[', ',' or ':', is a bare
    log-tail prefix, or hides its end behind colour codes; see Framer._resyncs). A report read
    on several cores cuts its input only at such lines."""
    before = before.rstrip()
    if not before or b"\x1b" in before or before[-1:] in _BEFORE_VALUE or _TAIL_PREFIX.match(before):
        return False
    if line.endswith(b"\r"):
        line = line[:-1]
    return (
        line[:1] == b"{"
        and line.rstrip()[-1:] == b"}"
        and len(line) <= max_record_bytes
        and b"\x1b" not in line
        and decode_json(line) is not UNDECODABLE
    )


def _tidy(line: bytes) -> bytes:
    """A line without its CR (CRLF files) and its ANSI colour codes (`aws logs tail`)."""
    if line.endswith(b"\r"):
        line = line[:-1]
    if b"\x1b" in line:
        line = _ANSI.sub(b"", line)
    return line


def _value_start(line: bytes) -> int:
    """Where the JSON value after a prefix starts, or -1: at its first `{`, or at the `[`s
    opening an array just before it after a blank (a Lambda line's `INFO [{...}]`), or at the
    `[` after a bare log-tail prefix that opens a pretty-printed array. A `[` inside a prefix
    (a Lambda stream's `[$LATEST]`) does not start one."""
    brace = line.find(b"{")
    if brace < 0:
        head = line.rstrip(_SPACE)
        if head[-2:] == b" [" and _TAIL_PREFIX.match(head[:-1]):
            return len(head) - 1
        return -1
    start = brace
    while True:
        before = line[:start].rstrip(_SPACE)
        if before[-1:] != b"[":
            break
        start = len(before) - 1
    if start < brace and start > 0 and line[start - 1] not in _SPACE:
        return brace
    return start


def _skip_space(data: bytes, pos: int) -> int:
    n = len(data)
    while pos < n and data[pos] in _SPACE:
        pos += 1
    return pos


def _scan(data: bytes, pos: int, depth: int, in_string: bool) -> tuple[int, int, bool]:
    """Find the end of the bracketed value at `pos`: (end or -1, depth, in_string) at the stop."""
    search = _TOKEN.search
    string_rest = _STRING_REST.match
    while True:
        if in_string:
            match = string_rest(data, pos)
            if match is None:
                return -1, depth, True
            pos = match.end()
            in_string = False
            continue
        match = search(data, pos)
        if match is None:
            return -1, depth, False
        char = data[match.start()]
        pos = match.end()
        if char == 34:  # '"'
            in_string = True
        elif char == 123 or char == 91:  # '{' '['
            depth += 1
        else:
            depth -= 1
            if depth <= 0:
                return pos, 0, False


def _decode(data: bytes) -> Framed:
    value = decode_json(data)
    return (INVALID_JSON if value is UNDECODABLE else value), data
