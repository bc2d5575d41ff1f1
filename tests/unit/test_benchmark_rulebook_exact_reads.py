"""benchmarks/listener/rulebook_exact_reads.py: the rules engine's async channel read exactly, whatever
the pieces the bytes arrive in (drools_jpy's read(n) returns what has arrived, cutting large matches)."""
from __future__ import annotations

import asyncio
import json
from typing import Any

from benchmarks.listener import rulebook_exact_reads as rx


class Writer:
    closed = False

    def close(self) -> None:
        self.closed = True


def message(session: int, results: list[Any]) -> bytes:
    body = json.dumps({"session_id": session, "result": results}).encode()
    return len(body).to_bytes(4, "big") + body


def test_messages_cut_into_small_pieces_are_read_whole(monkeypatch: Any) -> None:
    import drools.dispatch as dispatch

    seen: list[tuple[int, Any]] = []
    monkeypatch.setattr(dispatch.Dispatch, "run", lambda self: seen.append((self.session_id, self.serialized_result)))
    big = [{"rule": {"m_%d" % i: {"due": "r%d" % i, "pad": "x" * 600}}} for i in range(150)]  # ~100 KB
    data = message(1, big) + message(2, [{"small": {}}])

    async def scenario() -> Writer:
        reader = asyncio.StreamReader()
        writer = Writer()
        task = asyncio.ensure_future(rx.handle_async_messages(reader, writer))
        for i in range(0, len(data), 1000):  # the bytes arrive 1,000 at a time
            reader.feed_data(data[i:i + 1000])
            await asyncio.sleep(0)
        reader.feed_eof()  # the Java side closes the channel
        await asyncio.wait_for(task, 5)
        return writer

    writer = asyncio.run(scenario())
    assert [s for s, _ in seen] == [1] * 150 + [2]
    assert seen[149][1] == big[149] and seen[150][1] == {"small": {}}
    assert writer.closed
