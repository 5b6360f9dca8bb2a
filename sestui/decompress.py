"""Streaming gzip decoding, detected by magic bytes, multi-member, with a decompression-bomb cap."""

from __future__ import annotations

import zlib

GZIP_MAGIC = b"\x1f\x8b"
DEFAULT_MAX_RATIO = 64
_SLACK = 1 << 20  # small inputs may expand past the ratio legitimately (headers, tiny files)
_PIECE = 1 << 20  # inflate at most this much per step, so a bomb is caught early


class BombError(Exception):
    """The input expands past its allowed ratio; decoding stopped."""


class GzipStream:
    """Incremental decoder for concatenated gzip members (as CloudWatch -> Firehose writes them)."""

    def __init__(self, max_ratio: float = DEFAULT_MAX_RATIO) -> None:
        self.max_ratio = max_ratio
        self.bytes_in = 0
        self.bytes_out = 0
        self._inflater = zlib.decompressobj(wbits=31)
        self._between_members = False

    def feed(self, data: bytes) -> list[bytes]:
        """Decompressed pieces for this compressed chunk; raises BombError or zlib.error."""
        self.bytes_in += len(data)
        out: list[bytes] = []
        while True:
            if self._between_members:
                data = data.lstrip(b"\x00")  # padding between members is tolerated by gzip(1)
                if not data:
                    break
                self._inflater = zlib.decompressobj(wbits=31)
                self._between_members = False
            piece = self._inflater.decompress(data, _PIECE)
            data = self._inflater.unconsumed_tail
            if piece:
                self.bytes_out += len(piece)
                if self.bytes_out > self.max_ratio * self.bytes_in + _SLACK:
                    raise BombError(
                        f"gzip expands more than {self.max_ratio:g}x its size; stopped after "
                        f"{self.bytes_out} bytes"
                    )
                out.append(piece)
            if self._inflater.eof:
                data = self._inflater.unused_data
                self._between_members = True
            elif not data and len(piece) < _PIECE:
                break  # all input consumed and no output held back
        return out

    @property
    def truncated(self) -> bool:
        """True when input ended inside a member."""
        return not self._between_members and self.bytes_in > 0
