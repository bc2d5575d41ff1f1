# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Master side: the HTTP client of one federation child (aiohttp).

Every answer is untrusted: size-bounded, parsed as JSON, validated with the
topology model's ``from_dict``. Any failure is a :class:`ChildError` with a
``kind`` (``unreachable``, ``timeout``, ``unauthorized``, ``http``,
``malformed``, ``expired``). The token is never put in a message.
"""
from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass
from typing import Any, Optional

import aiohttp

from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import ChildSpec

API = "/api/v1"
MAX_RESPONSE_BYTES = 256 * 1024 * 1024


class ChildError(Exception):
    """A child could not be pulled; ``kind`` says why."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__("%s: %s" % (kind, message))
        self.kind = kind


@dataclass
class Traffic:
    """What crossed the wire with one child during a cycle."""

    requests: int = 0
    bytes: int = 0
    objects: int = 0
    deleted: int = 0


def ssl_for(spec: ChildSpec) -> ssl.SSLContext | bool:
    """The TLS setting for a child: verified by default (system CAs or ``ca_path``)."""
    if not spec.url.startswith("https://"):
        return False
    if not spec.validate_certs:
        return False
    return ssl.create_default_context(cafile=spec.ca_path) if spec.ca_path else ssl.create_default_context()


async def _read_bounded(resp: aiohttp.ClientResponse) -> bytes:
    """The whole body, stopping once it exceeds ``MAX_RESPONSE_BYTES``."""
    data = bytearray()
    async for chunk in resp.content.iter_chunked(1 << 16):
        data += chunk
        if len(data) > MAX_RESPONSE_BYTES:
            break
    return bytes(data)


class ChildClient:
    """JSON requests to one child over a shared ``aiohttp.ClientSession``."""

    def __init__(self, spec: ChildSpec, session: aiohttp.ClientSession, timeout: float) -> None:
        self.spec = spec
        self.session = session
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.traffic = Traffic()
        self._ssl = ssl_for(spec)
        self._headers = {"Authorization": "Bearer %s" % spec.token, "Accept": "application/json"}

    async def call(self, method: str, path: str, params: Optional[dict[str, Any]] = None,
                   body: Any = None) -> dict[str, Any]:
        url = self.spec.url.rstrip("/") + API + path
        try:
            async with self.session.request(method, url, params=params, json=body, headers=self._headers,
                                            ssl=self._ssl, timeout=self.timeout, allow_redirects=False) as resp:
                data = await _read_bounded(resp)
                status = resp.status
        except asyncio.TimeoutError:
            took = "%s %s took longer than %.0f s" % (method, path, self.timeout.total or 0)
            raise ChildError("timeout", took) from None
        except aiohttp.ClientConnectorCertificateError as exc:
            raise ChildError("tls", "certificate of %s not trusted: %s"
                             % (self.spec.url, exc.certificate_error)) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise ChildError("unreachable", "%s: %s" % (self.spec.url, type(exc).__name__ + (": %s" % exc))) from exc
        self.traffic.requests += 1
        self.traffic.bytes += len(data)
        if len(data) > MAX_RESPONSE_BYTES:
            raise ChildError("malformed", "answer to %s larger than %d bytes" % (path, MAX_RESPONSE_BYTES))
        try:
            doc = json.loads(data)
        except ValueError:
            raise ChildError("malformed", "answer to %s (HTTP %d) is not JSON" % (path, status)) from None
        if not isinstance(doc, dict):
            raise ChildError("malformed", "answer to %s is not a JSON object" % path)
        if status == 401:
            raise ChildError("unauthorized", "the child refused the token")
        if status == 410:
            raise ChildError("expired", str(doc.get("message", "cursor or epoch no longer valid"))[:300])
        if status != 200:
            raise ChildError("http", "HTTP %d on %s: %s" % (status, path, str(doc.get("message", ""))[:300]))
        return doc
