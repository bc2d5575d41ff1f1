#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: resync
short_description: Resynchronize the store with a device's committed configuration
version_added: 0.1.0
description:
  - Sets the device's managed status to C(Synchronizing), reads its committed configuration over
    NETCONF (Junos C(get-configuration database=committed), with commit time and user; other
    devices C(get-config) of C(running)), stores a new snapshot only if the configuration differs
    from the latest one (sha256 of a stable rendering), and sets C(In Sync).
  - "Cisco IOS/IOS-XE, NX-OS, IOS-XR and Arista EOS are read over C(ansible.netcommon.network_cli)
    through the vendor cliconf plugin (C(show running-config)). The snapshot keeps the text as read;
    the rendering, the sha256 and the diff leave out volatile lines (IOS C(! Last configuration change
    at), C(! NVRAM config last updated), C(ntp clock-period); NX-OS C(!Time:); IOS-XR C(!! Last
    configuration change at), C(Building configuration...); EOS C(! Startup-config last modified at))
    so a resync without a change stores nothing. The diff masks secrets (C(enable secret), C(username ...
    secret/password), C(snmp-server community), keys) with the marker every platform uses,
    C(<secret:XXXXXXXXXXXX>), made with the store's own key, which changes when the secret changes.
    IOS and IOS-XR give the commit time and user from that header,
    NX-OS the commit time."
  - If a commit was notified during the job that the read did not include, the status becomes
    C(Out of Sync) instead, so that auto-resync runs a follow-up job.
  - A failed read sets C(Sync Failed), keeps every snapshot, and names the cause in C(error)
    (unreachable, auth_failed, host_key_unknown, host_key_mismatch, timeout, rpc_error,
    malformed_reply). The connection failures (unreachable, auth_failed, host_key_unknown,
    host_key_mismatch) make the host UNREACHABLE in the recap, as for any Ansible connection, so
    C(ignore_unreachable), retries and AWX treat them as such; the others fail the task.
  - An invalid connection option taken from a host variable names that variable
    (for example C(netsync_timeout)).
  - A run stopped by SIGTERM (C(kill), systemd, a supervisor) or SIGINT (Ctrl-C) while it reads
    devices ends every job in flight failed (C(cancelled by signal N)), gives each such device back
    the status it had before the job and releases its claim, so the next resync starts at once; with
    ansible-core's per-host workers as with the C(netsync.fleet.fleet) strategy's pool processes and
    threads. A resync killed outright (SIGKILL, out of memory, a stopped container) leaves its device
    C(Synchronizing); the next resync recovers it (the killed job ends failed, the status history
    says "recovered") at once when the killed process ran on the same machine and in the same PID
    namespace, else once its lease lapses (until then a resync of that device fails with
    RV(error=busy) after waiting C(timeout)).
  - A job's claim on its device is a lease that its process renews every quarter of the environment
    variable C(NETSYNC_CLAIM_LEASE) (seconds, default 60, at least 2; not a number fails the task with
    RV(error=invalid_environment)), for at most four times C(timeout) (at least 120 s). A process
    that stops renewing (killed on another machine or in a deleted AWX/AAP job pod sharing a
    PostgreSQL store, frozen) loses its devices within one lease; should it go on, it stores nothing
    and fails with RV(error=claim_lost).
  - "Opt-in and experimental (C(netsync_resync_batch: auto) or C(true)): with 2 to 100 hosts in
    the play, the first host's worker starts one batch process that resyncs the play's hosts
    (C(ansible_play_batch), so C(--limit) and C(serial) apply) in a pool of
    C(--forks) threads while ansible-core still forks its per-host workers; each host's worker
    waits for its own device's result and returns it, so the recap, per-host failures, check and
    diff mode, C(register) and callbacks (AWX job events) are the usual ones. A worker only ever
    returns a result computed with its own options; when the batch cannot be reached or dies, the
    worker resyncs its host itself (a batch that stops answering but does not end fails the host with
    RV(error=batch)). The variable C(netsync_resync_batch) (or the environment variable
    C(NETSYNC_RESYNC_BATCH)) is C(false) by default (each host resynced in its own worker, as
    before), C(auto) for the batch with plays of 2 to 100 hosts (above that one batch process was
    measured slower than the per-host workers), C(true) for the batch whatever the play's size. It
    is off by default while its gain is small (at 100 devices 3.15x the bare ncclient floor against
    3.72x for the per-host path; docs/benchmarks.md). CLI
    platforms, loops, C(delegate_to) and C(run_once) always use the per-host path. The batch
    stands down under the C(netsync.fleet.fleet) strategy."
  - "Under the C(netsync.fleet.fleet) strategy (C(ANSIBLE_STRATEGY=netsync.fleet.fleet)), the task's hosts
    run in the threads of a few pool processes (C(--forks) threads in all), each with its own result
    (RV(in_process=true)), instead of one worker process per host; see the strategy's documentation."
author: Netsync Fleet Team (@netsync-fleet)
options:
  job_id:
    description:
      - Identifier of the job this run belongs to, given by the auto-resync listener so that it
        learns when the job started, read and ended.
      - When not set, the host's entry of the variable C(netsync_job_ids) (a mapping of inventory host name
        to job id, the extra variable the auto-resync rulebook passes); generated when that has none either.
      - Any other type of C(netsync_job_ids) than a mapping fails the host's task, naming the variable.
    type: str
  origin:
    description:
      - Who asked for the job, recorded in the store.
      - When not set, the variable C(netsync_origin) if it is defined, else C(manual).
    type: str
    choices: [manual, auto]
    default: manual
  only_if_changed:
    description:
      - The consistency check that catches a commit whose notification was lost (UDP syslog).
      - Junos - read only the last commit's metadata (C(get-commit-information)); when its time is the one
        of the latest snapshot, read nothing more, record no job, and return RV(drifted=false). Otherwise
        resync as usual.
      - Devices without commit metadata (generic RFC 6241) - read the configuration and compare it by
        hash, as a plain resync does (nothing is stored when it did not change).
      - Schedule it as a periodic job (an AWX schedule, cron), or let the listener run it (its
        C(consistency_interval), default 1 h).
      - When not set, the variable C(netsync_only_if_changed) if it is defined, else C(false).
    type: bool
    default: false
extends_documentation_fragment:
  - netsync.fleet.connection
  - netsync.fleet.store
attributes:
  check_mode:
    support: full
    description: Reads the device and reports whether a new snapshot would be stored; writes nothing.
  diff_mode:
    support: full
    description: The diff between the previous and the new snapshot's rendering, device secrets shown as
      stable markers (see O(netsync.fleet.device_info#module:show_secrets)).
  idempotent:
    support: full
    description: Without a commit on the device in between, a second run reports no change.
seealso:
  - module: netsync.fleet.device
  - module: netsync.fleet.device_info
"""

EXAMPLES = r"""
- name: Resync the routers and show what changed
  netsync.fleet.resync:
  diff: true

- name: Resync as part of a job the auto-resync listener started
  netsync.fleet.resync:
    job_id: "{{ netsync_job_id }}"
    origin: auto

- name: Hourly consistency check (an AWX schedule), resync only what drifted
  netsync.fleet.resync:
    only_if_changed: true
"""

RETURN = r"""
drifted:
  description: With O(only_if_changed), false when the last commit was the stored one and nothing more was read.
  returned: when only_if_changed found no drift
  type: bool
checked:
  description: What O(only_if_changed) compared (C(last_commit)).
  returned: when only_if_changed found no drift
  type: str
changed:
  description: True if and only if a new snapshot was stored.
  returned: always
  type: bool
managed_status:
  description: The device's managed status after the run.
  returned: always
  type: str
  sample: In Sync
snapshot_version:
  description: Version of the device's latest snapshot after the run.
  returned: success
  type: int
  sample: 3
sha256:
  description: sha256 of the configuration's stable rendering.
  returned: success
  type: str
job_id:
  description: The job's identifier (null in check mode).
  returned: success
  type: str
commit_time:
  description: Commit time the device reported for the configuration read (Junos), epoch seconds.
  returned: success
  type: float
commit_user:
  description: User of that commit (Junos).
  returned: success
  type: str
commit_comment:
  description:
    - The comment of that commit (Junos C(commit comment), the C(<log>) of C(get-commit-information)); null
      when the commit had none or the device does not say. Stored with the snapshot. When nothing was committed
      since the latest snapshot, the comment stored with it (the commit history is not read again).
  returned: success
  type: str
  sample: CHG-1234 move to B7
commit_seq:
  description:
    - Junos' commit sequence number of that commit in C(show system commit) when it was read (C(0) is the
      newest commit, the one the read included); null when a commit came between the read and the commit
      history, or the device has no commit history. Stored with the snapshot. When nothing was committed since
      the latest snapshot, the sequence stored with it (the commit history is not read again).
  returned: success
  type: str
  sample: "0"
batch:
  description: True when the play's batch process resynced this host (see the description).
  returned: when the batch resynced the host
  type: bool
in_process:
  description:
    - True when the C(netsync.fleet.fleet) strategy ran this host's task in a thread of its pool (one of a
      few pool processes, or ansible-playbook itself) instead of a worker process per host
      (docs/runbook.md of the collection).
  returned: when the fleet strategy ran the task
  type: bool
error:
  description:
    - The failure's kind. A failed read names its cause (unreachable, auth_failed, host_key_unknown,
      host_key_mismatch, timeout, rpc_error, malformed_reply); C(busy) another job held the device
      for all of C(timeout); C(claim_lost) this job lost its claim and stored nothing;
      C(invalid_environment) C(NETSYNC_CLAIM_LEASE) is not a valid number of seconds.
  returned: failure
  type: str
  sample: unreachable
"""

from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import RESYNC_SPEC
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import module_main
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.resync import run_resync


def main() -> None:
    module_main(RESYNC_SPEC, run_resync)


if __name__ == "__main__":
    main()
