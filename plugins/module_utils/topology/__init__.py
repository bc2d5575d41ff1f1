# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Topology model: objects derived from stored configurations, and their federation union.

Pure functions, no I/O. The public door; the code lives in ``_topology_*.py``.

Objects (``TopologyObject``): ``type``, ``key``, ``properties`` (JSON values),
``contains`` (sorted child keys), ``version``, ``updated_at`` (epoch s).

- ``Device``    key ``Device:<device>``; name, platform, hostname, model,
  version, serial, managed_status, site, last_synced. Contains its physical
  Interfaces.
- ``Interface`` key ``Interface:<device>:<name>``; device, name, description,
  admin_state (up/down, as configured), mtu, type (IANA ifType name).
  Junos logical units are Interfaces of their own (``ge-0/0/0.0``, with
  ``parent`` and ``unit``) contained by the physical Interface. Addresses
  belong to the unit (Junos) or to the interface (ietf-interfaces).
- ``Address``   key ``Address:<device>:<interface>:<prefix>``; device,
  interface, family (inet/inet6), prefix (canonical ``addr/len``).

Key parts other than the last have ``%`` and ``:`` percent-escaped, so keys
stay readable (``Address:r1:ge-0/0/0.0:2001:db8::1/64``) and unambiguous.
Unknown values (a missing fact, no description) are omitted, not null.
Inactive Junos statements and invalid addresses are skipped.

Versions are shallow: ``version`` hashes the object's type, key, properties
and the *set* of contained keys, never ``updated_at``. Changing an
Interface's description changes that Interface's version only; adding or
removing an address changes its interface's version (its contained set),
not the Device's. ``last_synced`` and ``managed_status`` are Device
properties, so a resync changes the Device version. Use ``carry_forward``
when re-deriving so unchanged objects keep their ``updated_at`` ("content
last changed").

Types (``TopologyType``): name and ``{property: {"type", "description"}}``,
versioned by content; ``builtin_types()`` are the ones ``derive`` emits.

Union (``union``), for the federation master, over ``{child: objects}``:
copies with the same identity (type + key) merge; ``contains`` is the union
of every copy's; each property is taken from the newest copy that has it
(``updated_at``, equal times: smallest child name); ``updated_at`` is the
newest copy's; ``sources`` lists the children, ``source_versions`` their
versions; children named in ``stale``/``suspect`` show up in
``stale_sources``/``suspect_sources`` (their data is still merged). The
merged ``version`` hashes the same content as an object version, so a
single-source or unanimous merge keeps the copies' version; sources and
flags sit beside it. Deletion is recomputation: drop the object from that
child's copy (``diff``/``apply_changes``) and union again; what only that
child contained disappears, the rest stays with the remaining sources.
``union_types`` merges types the same way (property definitions, not
contained keys). Incremental sync: ``diff(master_index, child_index)`` says
which keys to fetch (new or other version) and which to delete.

Serialisation: ``to_dict``/``from_dict`` on every class (JSON-ready; tuples
become lists). ``from_dict`` validates untrusted input (``TopologyError``)
and keeps the version it is given. Config XML is untrusted: any DOCTYPE or
ENTITY declaration is refused (``UnsafeXMLError``, of :mod:`common.xml`) before
a tree is built; other unusable XML is a ``TopologyError``.
"""
from __future__ import annotations

from ansible_collections.netsync.fleet.plugins.module_utils.common.xml import UnsafeXMLError
from ansible_collections.netsync.fleet.plugins.module_utils.topology._derive import (
    PLATFORMS,
    address_key,
    carry_forward,
    derive,
    device_key,
    interface_key,
)
from ansible_collections.netsync.fleet.plugins.module_utils.topology.model import (
    ADDRESS,
    DEVICE,
    INTERFACE,
    TopologyError,
    TopologyObject,
    TopologyType,
    builtin_types,
    canonical_json,
    content_version,
    make_key,
    make_object,
    split_key,
    type_version,
)
from ansible_collections.netsync.fleet.plugins.module_utils.topology._union import (
    DEFAULT_MAX_SYSTEM_TIME_DIFFERENCE_MS,
    MergedObject,
    MergedType,
    SyncPlan,
    apply_changes,
    clock_suspect,
    diff,
    index,
    union,
    union_types,
)
from ansible_collections.netsync.fleet.plugins.module_utils.topology._xml import (
    parse_xml,
)

__all__ = [
    "ADDRESS",
    "DEFAULT_MAX_SYSTEM_TIME_DIFFERENCE_MS",
    "DEVICE",
    "INTERFACE",
    "PLATFORMS",
    "MergedObject",
    "MergedType",
    "SyncPlan",
    "TopologyError",
    "TopologyObject",
    "TopologyType",
    "UnsafeXMLError",
    "address_key",
    "apply_changes",
    "builtin_types",
    "canonical_json",
    "carry_forward",
    "clock_suspect",
    "content_version",
    "derive",
    "device_key",
    "diff",
    "index",
    "interface_key",
    "make_key",
    "make_object",
    "parse_xml",
    "split_key",
    "type_version",
    "union",
    "union_types",
]
