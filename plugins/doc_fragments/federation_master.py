# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # The options every master-side lookup shares: where the children are, where the master keeps state.
    DOCUMENTATION = r"""
options:
  federation_config:
    description: Path of the federation configuration (a C(*.federation.yml) file of the inventory plugin).
    type: path
    required: true
    env:
      - name: NETSYNC_FEDERATION_CONFIG
    ini:
      - section: netsync_fleet
        key: federation_config
  store:
    description:
      - The master's store (SQLite path or C(postgresql://) URL), shared by separate runs. It holds the
        alarm copies and cursors and the metric source sets.
      - Unset, the C(store) of the federation configuration, else C(~/.netsync/federation.db).
    type: str
    env:
      - name: NETSYNC_FEDERATION_STORE
    ini:
      - section: netsync_fleet
        key: federation_store
"""
