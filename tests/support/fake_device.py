"""A fake NETCONF device for the modules' logic (no server): an opener and a session in one.

``FakeDevice()(target)`` records the target and returns itself (or raises ``error``);
``read_config`` returns the committed XML with ``commit_time``; ``commit`` (a CLI-style
hostname change) and ``load_and_commit`` (a merge, the simulator's way) change it.
"""
from __future__ import annotations

from typing import Any, Optional, cast

from lxml import etree

from ansible_collections.netsync.fleet.plugins.module_utils.device.session import ConfigRead, DeviceError, Target
from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import parse_xml
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import Opener
from tests.sims.junos_config import merge

SMALL = "<configuration><system><host-name>r1</host-name></system></configuration>"


class FakeDevice:
    def __init__(self, platform: str = "junos", config: str = SMALL,
                 facts: Optional[dict[str, Any]] = None) -> None:
        self.platform_name = platform
        self.config = config
        self.commit_time = 100.0
        self.facts_doc = dict(facts or {"hostname": "r1", "model": "vmx"})
        self.error: DeviceError | None = None
        self.opened: list[Target] = []
        self.commits: list[tuple[str, str, str]] = []

    def __call__(self, target: Target) -> "FakeDevice":
        self.opened.append(target)
        if self.error is not None:
            raise self.error
        return self

    def __enter__(self) -> "FakeDevice":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def facts(self) -> dict[str, Any]:
        return dict(self.facts_doc)

    def read_config(self, known: Any = None) -> ConfigRead:
        return ConfigRead("junos-xml", self.config, parse_xml(self.config), self.commit_time, "ops")

    def commit(self, hostname: str) -> None:
        """An out-of-band commit that renames the host."""
        self.config = self.config.replace(self.config.split("<host-name>")[1].split("<")[0], hostname)
        self.commit_time += 10

    def load_and_commit(self, config_xml: str, action: str, comment: str) -> None:
        self.commits.append((config_xml, action, comment))
        root = parse_xml(self.config)
        merge(root, parse_xml(config_xml), honour_replace=action == "replace")
        self.config = etree.tostring(root, encoding="unicode")


def opener(dev: FakeDevice) -> Opener:
    return cast(Opener, dev)
