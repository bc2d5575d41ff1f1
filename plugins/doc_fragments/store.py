# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  store:
    description:
      - The inventory store. A file path (or C(sqlite:///path)) for an embedded SQLite store,
        or a C(postgresql://user@host/db) URL for a PostgreSQL store shared by several machines.
      - When not set, the host variable C(netsync_store), then the environment variable
        E(NETSYNC_STORE), then C(~/.netsync/fleet.db).
      - Keep PostgreSQL passwords out of the URL; use C(PGPASSWORD) or C(~/.pgpass).
    type: str
"""

    # The store option of the lookups that read a site's store (change_notice, search):
    # extends_documentation_fragment: netsync.fleet.store.lookup
    LOOKUP = r"""
options:
  store:
    description:
      - The inventory store (a path, C(sqlite:///path) or a C(postgresql://) URL).
      - Unset, the variable C(netsync_store), the environment variable E(NETSYNC_STORE), then C(~/.netsync/fleet.db).
    type: str
    vars:
      - name: netsync_store
    env:
      - name: NETSYNC_STORE
    ini:
      - section: netsync_fleet
        key: store
"""
