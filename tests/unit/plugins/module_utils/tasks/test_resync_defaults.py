"""resync's options from the play's variables (the auto-resync rulebook's extra vars), args.resync_defaults."""
from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import resync_defaults


class Templar:
    """Renders ``{{ name }}`` from its variables; records what it was asked to render."""

    def __init__(self, variables: dict[str, Any]) -> None:
        self.variables = variables
        self.calls: list[Any] = []

    def __call__(self, value: Any) -> Any:
        self.calls.append(value)
        if isinstance(value, str) and value.startswith("{{ ") and value.endswith(" }}"):
            return self.variables[value[3:-3]]
        return value


def test_nothing_set_gives_nothing() -> None:
    assert resync_defaults({"inventory_hostname": "r1"}, Templar({})) == {}


def test_the_rulebook_extra_vars() -> None:
    task_vars = {"inventory_hostname": "r2", "netsync_origin": "auto", "netsync_only_if_changed": True,
                 "netsync_job_ids": {"r1": "j-1", "r2": "j-2"}}
    assert resync_defaults(task_vars, Templar({})) == {"origin": "auto", "only_if_changed": True, "job_id": "j-2"}


def test_a_host_missing_from_the_job_map_gets_no_job_id() -> None:
    task_vars = {"inventory_hostname": "r9", "netsync_job_ids": {"r1": "j-1"}}
    assert resync_defaults(task_vars, Templar({})) == {}


def test_only_the_hosts_own_entry_is_templated() -> None:
    jobs = {"r%d" % i: "{{ j%d }}" % i for i in range(1000)}
    templar = Templar({"j7": "job-7"})
    assert resync_defaults({"inventory_hostname": "r7", "netsync_job_ids": jobs}, templar) == {"job_id": "job-7"}
    assert templar.calls == ["{{ j7 }}"]


def test_templated_values_and_null_ones() -> None:
    templar = Templar({"o": "auto", "jobs": {"r1": "j-1"}, "nothing": None})
    task_vars = {"inventory_hostname": "r1", "netsync_origin": "{{ o }}", "netsync_job_ids": "{{ jobs }}",
                 "netsync_only_if_changed": "{{ nothing }}"}
    assert resync_defaults(task_vars, templar) == {"origin": "auto", "job_id": "j-1"}
    assert resync_defaults({"inventory_hostname": "r1", "netsync_origin": None}, templar) == {}


@pytest.mark.parametrize("jobs", [["r1"], 5, True])
def test_a_job_map_of_another_shape_is_an_error_naming_it(jobs: Any) -> None:
    with pytest.raises(ValueError, match="netsync_job_ids must be a mapping"):
        resync_defaults({"inventory_hostname": "r1", "netsync_job_ids": jobs}, Templar({}))
