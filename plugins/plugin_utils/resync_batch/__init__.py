# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resync batch: one process resyncs the play's hosts in a thread pool while ansible-core
forks its per-host workers; each worker returns its own host's result (docs/architecture.md)."""
