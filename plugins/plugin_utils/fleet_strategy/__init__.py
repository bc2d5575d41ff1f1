# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``netsync.fleet.fleet`` strategy: linear, except that ``netsync.fleet.resync`` tasks run
in-process in a thread pool instead of one forked worker per host (docs/architecture.md)."""
