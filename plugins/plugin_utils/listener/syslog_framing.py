"""RFC 6587 syslog-over-TCP framing: octet counting and newline-delimited, auto-detected.

Pure and incremental: ``SyslogStreamDecoder.feed(bytes)`` returns the complete frames
seen so far. The buffer is bounded by ``max_frame``; oversized or malformed frames are
counted in ``rejected`` (by reason) and skipped up to the next frame boundary.
"""

from __future__ import annotations

from collections import Counter

__all__ = ["FRAME_REJECT_REASONS", "SyslogStreamDecoder"]

FRAME_REJECT_REASONS: tuple[str, ...] = (
    "frame-too-long",  # MSG-LEN or line longer than max_frame; skipped
    "bad-frame-length",  # digits not followed by SP (or absurd MSG-LEN); skipped to next LF
    "truncated-frame",  # stream closed inside an octet-counted frame
)

_MAX_LEN_DIGITS = 9
"""An octet count with more digits is treated as garbage, not as a frame to skip."""

_LF = 0x0A
_CR = 0x0D
_SP = 0x20
_BLANKS = frozenset((_LF, _CR, _SP, 0x09))


class SyslogStreamDecoder:
    """Split a TCP byte stream into syslog frames (RFC 6587).

    Each frame's framing is detected from its first byte: a non-zero digit means octet
    counting (``MSG-LEN SP MSG``); anything else is a line ended by LF (a CR before the LF
    is dropped). Blank bytes between frames are skipped.
    """

    def __init__(self, max_frame: int = 8192) -> None:
        if max_frame < 1:
            raise ValueError("max_frame must be positive")
        self.max_frame = max_frame
        self.rejected: Counter[str] = Counter()
        self.frames = 0
        self._buf = bytearray()
        self._skip = 0  # bytes still to drop of an oversized octet-counted frame
        self._discard_line = False  # dropping up to the next LF

    @property
    def buffered(self) -> int:
        """Bytes held waiting for the rest of a frame."""
        return len(self._buf)

    def feed(self, data: bytes | bytearray | memoryview) -> list[bytes]:
        """Add received bytes; return the frames completed by them (payload only)."""
        buf = self._buf
        buf += data
        out: list[bytes] = []
        pos = 0
        n = len(buf)
        max_frame = self.max_frame
        while pos < n:
            if self._skip:
                take = min(self._skip, n - pos)
                pos += take
                self._skip -= take
                continue
            if self._discard_line:
                lf = buf.find(b"\n", pos)
                if lf < 0:
                    pos = n
                    break
                pos = lf + 1
                self._discard_line = False
                continue
            first = buf[pos]
            if first in _BLANKS:
                pos += 1
                continue
            if 0x31 <= first <= 0x39:
                sp = buf.find(b" ", pos, pos + _MAX_LEN_DIGITS + 1)
                if sp < 0:
                    if n - pos > _MAX_LEN_DIGITS or not buf[pos:n].isdigit():
                        self.rejected["bad-frame-length"] += 1
                        self._discard_line = True
                        continue
                    break  # wait for the rest of MSG-LEN
                digits = buf[pos:sp]
                if not digits.isdigit():
                    self.rejected["bad-frame-length"] += 1
                    self._discard_line = True
                    continue
                length = int(digits)
                if length > max_frame:
                    self.rejected["frame-too-long"] += 1
                    pos = sp + 1
                    self._skip = length
                    continue
                end = sp + 1 + length
                if end > n:
                    break  # wait for the rest of the frame
                out.append(bytes(buf[sp + 1:end]))
                pos = end
                continue
            lf = buf.find(b"\n", pos, pos + max_frame + 2)
            if lf < 0:
                if n - pos > max_frame + 1:
                    self.rejected["frame-too-long"] += 1
                    self._discard_line = True
                    continue
                break  # wait for the end of the line
            end = lf - 1 if lf > pos and buf[lf - 1] == _CR else lf
            if end - pos > max_frame:
                self.rejected["frame-too-long"] += 1
            else:
                out.append(bytes(buf[pos:end]))
            pos = lf + 1
        del buf[:pos]
        self.frames += len(out)
        return out

    def close(self) -> list[bytes]:
        """End of stream: return an unterminated last line; count a cut-off frame."""
        rest = bytes(self._buf).strip(b" \t\r\n")
        self._buf.clear()
        dropping = bool(self._skip) or self._discard_line
        self._skip, self._discard_line = 0, False
        if dropping or not rest:
            return []
        if 0x31 <= rest[0] <= 0x39:
            self.rejected["truncated-frame"] += 1
            return []
        self.frames += 1
        return [rest]
