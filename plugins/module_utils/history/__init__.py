# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""History: where engineers look at the store's versions.

- ``text.py``: readable, pasteable text of a snapshot per platform (Junos ``display set``,
  CLI lines, indented NETCONF), secrets masked, and diffs in that form;
- ``git_export.py``: every snapshot becomes one git commit (``netsync.fleet.git_export``);
  ``_git.py`` is its private git CLI layer (``fast-import``, lock, push).
"""
