"""ansible-rulebook with its rules engine's async channel read exactly (benchmarks only).

drools_jpy (``drools/dispatch.py``, used by ansible-rulebook 1.3.2) reads each message of the async
channel from its Java side with ``StreamReader.read(n)``, which returns *up to* n bytes: a message
larger than what has arrived (a ``once_after`` match carrying a hundred events is ~60 KB) is cut,
``json.loads`` raises, the reader task ends silently and closes the socket, and the Java side logs
``java.net.SocketException: Connection reset by peer``; no timed match is delivered after that. The
per-device peer of ``bench_rulebook.py`` hit it at 1,000 devices in two runs. This runs
ansible-rulebook's own ``main`` with that one function replaced by the same loop reading with
``readexactly``; ``bench_rulebook.py --exact-reads`` uses it for every arm, ours included, so both
run the same engine.

    python benchmarks/listener/rulebook_exact_reads.py <ansible-rulebook arguments>
"""
from __future__ import annotations

import asyncio
import json
import sys
from typing import Any


async def handle_async_messages(reader: Any, writer: Any) -> None:
    from drools.dispatch import Dispatch, RulesetCollection

    try:
        while True:
            length = await reader.readexactly(4)
            payload = await reader.readexactly(int.from_bytes(length, "big"))
            data = json.loads(payload)
            for result in data["result"]:
                Dispatch(session_id=data["session_id"], serialized_result=result).run()
    except asyncio.IncompleteReadError:  # the Java side closed the channel: the engine is shutting down
        pass
    except asyncio.CancelledError:
        RulesetCollection.shutdown()
    finally:
        writer.close()


def main() -> int:
    import ansible_rulebook.engine as engine
    import drools.dispatch as dispatch
    from ansible_rulebook.cli import main as rulebook_main

    dispatch.handle_async_messages = handle_async_messages  # type: ignore[assignment]
    engine.handle_async_messages = handle_async_messages  # type: ignore[attr-defined]
    return int(rulebook_main(sys.argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
