#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: git_export
short_description: Export every stored snapshot as one git commit, one file per device, secrets masked
version_added: 0.3.0
description:
  - Writes the store's configuration history into a git repository so engineers use C(git log),
    C(git blame) and their git hosting. Does not contact any device.
  - Every snapshot becomes one commit that writes the device's file. The file is the readable text of
    the snapshot - Junos in C(display set) form (C(set ...) lines), Cisco IOS/IOS-XE, NX-OS, IOS-XR and
    Arista EOS their own configuration lines, generic NETCONF devices an indented text, one leaf a line.
    Device secrets are masked with the store's markers (a changed secret is still a change); the stored
    raw configuration is unchanged.
  - The author is the user who committed on the device (the snapshot's commit user), as
    C(user <user@device>) unless O(authors) maps it; C(unknown <unknown@device>) when the device did not
    say. The author date is the device's commit time, else the time the snapshot was taken (the message
    says which). The committer is O(committer), at the time of the export.
  - The message names the device and version, the resync job and how many notifications it covered
    (the rule of M(netsync.fleet.report)), and the device's commit comment when the store has one; its
    trailers C(Netsync-Device), C(Netsync-Version), C(Netsync-Path) (and C(Netsync-Job),
    C(Netsync-Notifications)) are the export's own state.
  - Incremental and idempotent. Per device, the versions newer than the newest one on O(branch) are
    exported, oldest first across devices, so the first run is a backfill of the whole history and a
    second run adds nothing. A device removed from the store keeps its file. A device removed and imported
    again (its versions start at 1 again) is exported from the version after the newest on the branch.
  - Safe when runs race. An export holds C(netsync-export.lock) in the git directory while it reads the
    branch and writes; another run waits up to O(lock_timeout), then finds the commits already there.
    C(git fast-import) also refuses to move the branch unless it fast-forwards.
  - A non-bare repository with O(branch) checked out gets its files updated (C(git read-tree -m -u));
    local changes in the way are kept and reported as a warning. Do not edit files in the export repository.
  - Uses the git command line (git 2.28 or later on the controller), so pushes use the usual git
    credentials (SSH keys and agent, credential helpers, C(~/.git-credentials)); see C(docs/history.md).
  - Runs on the controller (an action plugin). Run it once per play (C(run_once)).
author: Netsync Fleet Team (@netsync-fleet)
options:
  repo:
    description: The repository directory on the controller. Created (C(git init)) when it is not a
      repository; a folder inside another repository is not used as that repository.
    type: path
    required: true
  branch:
    description: The branch the commits go to.
    type: str
    default: main
  path_template:
    description:
      - The file of each device, relative to the repository. Fields C({name}) (required),
        C({group}) and C({platform}). Slashes make folders; each field's value is one folder or file
        name (a slash in a value becomes C(_)).
      - Changing it moves each device's file with the next version exported of that device.
    type: str
    default: "{group}/{name}"
  groups:
    description:
      - Device name to the value of C({group}). Unset, it comes from the play's inventory - the
        device's first C(site_*) group (the sites of the M(netsync.fleet.federation) inventory), else
        its first group in alphabetical order without C(all) and C(ungrouped). A device in no group,
        or not in the inventory, is C(ungrouped).
    type: dict
  devices:
    description: Export only these devices (default every device of the store). A name not in the store fails.
    type: list
    elements: str
  authors:
    description:
      - "Device user to git author, for example C({ops: 'Olga Petrova <olga@example.com>'}). A value without
        C(<email>) sets the name only."
    type: dict
    default: {}
  committer:
    description: The committer of every commit, as C(Name <email>).
    type: str
    default: netsync <netsync@localhost>
  remote:
    description:
      - Push O(branch) to this remote after the export - a URL or the name of a remote configured in
        the repository. Credentials come from git's usual places; one written into the URL is removed
        from every message.
      - A failed push fails the task; the commits stay in the repository and the next run pushes again.
    type: str
  bare:
    description: Create the repository bare (no files checked out) when it does not exist yet.
    type: bool
    default: false
  lock_timeout:
    description: Seconds to wait for another export of the same repository to finish.
    type: float
    default: 300
extends_documentation_fragment:
  - netsync.fleet.store
attributes:
  check_mode:
    support: full
    description: Says how many commits the export would make (RV(commits)) and for which devices;
      writes nothing, not even the repository.
  diff_mode:
    support: full
    description: Per device file that changes, its text at the branch's tip and after the export.
  idempotent:
    support: full
    description: A second run on an unchanged store adds no commit and reports no change.
seealso:
  - module: netsync.fleet.device_info
notes:
  - See C(docs/history.md) for the layout, the message format and why the git command line was chosen.
"""

EXAMPLES = r"""
- name: Export the configuration history to git
  netsync.fleet.git_export:
    repo: /var/lib/netsync/configs
  run_once: true

- name: Export and push to the team's repository, with real names
  netsync.fleet.git_export:
    repo: /var/lib/netsync/configs
    remote: git@git.example.com:netops/configs.git
    path_template: "{group}/{platform}/{name}.conf"
    authors:
      ops: Olga Petrova <olga@example.com>
  run_once: true

- name: How many commits would an export make?
  netsync.fleet.git_export:
    repo: /var/lib/netsync/configs
  check_mode: true
  run_once: true
  register: pending
"""

RETURN = r"""
repo:
  description: The repository directory.
  returned: always
  type: str
branch:
  description: The branch written.
  returned: always
  type: str
commits:
  description: Commits made (in check mode, commits the export would make).
  returned: always
  type: int
devices:
  description: Devices with new commits.
  returned: always
  type: list
  elements: str
head:
  description: The branch's commit after the export (null while the branch has none).
  returned: always
  type: str
exported:
  description: One entry per commit made.
  returned: always
  type: list
  elements: dict
  contains:
    device: {description: Device name., type: str, returned: always}
    version: {description: Snapshot version., type: int, returned: always}
    commit: {description: The commit id., type: str, returned: always}
    path: {description: The device's file., type: str, returned: always}
pushed:
  description: True when the push moved the remote's branch.
  returned: always
  type: bool
"""

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.git_export import (
    GIT_EXPORT_SPEC, run_git_export_task,
)
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import module_main


def main() -> None:
    module_main(GIT_EXPORT_SPEC, run_git_export_task)


if __name__ == "__main__":
    main()
