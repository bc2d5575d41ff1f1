# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base of the collection's action plugins.

The modules run on the controller, in the worker process, without shipping
AnsiballZ and without a persistent connection: ``_requires_connection = False``
means an inventory with ``ansible_connection: ansible.netcommon.netconf`` does
not start ``ansible-connection`` either. Connection options missing from the
task are filled from the host's inventory variables (see ``args.HOSTVARS``).
"""
from __future__ import annotations

import os
from typing import Any, Callable, Optional

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.netsync.fleet.plugins.module_utils.common.errors import (
    internal_error_message, internal_traceback,
)
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.args import HOSTVARS
from ansible_collections.netsync.fleet.plugins.module_utils.tasks.device import TaskFailed
from ansible_collections.netsync.fleet.plugins.plugin_utils.network_cli import (
    NETWORK_CLI, cli_task_opener, connection_of,
)


# Device errors that Ansible users expect as UNREACHABLE in the recap (retries, AWX, ignore_unreachable)
UNREACHABLE_KINDS = frozenset(("unreachable", "auth_failed", "host_key_unknown", "host_key_mismatch"))

# option -> PlayContext attribute, and -> AWX/AAP "Network" credential environment variable
PLAY_CONTEXT = {"username": "remote_user", "password": "password", "private_key_file": "private_key_file"}
NET_ENV = {"username": "ANSIBLE_NET_USERNAME", "password": "ANSIBLE_NET_PASSWORD",
           "private_key_file": "ANSIBLE_NET_SSH_KEYFILE"}


class NetsyncAction(ActionBase):
    """Validate, fill connection options from hostvars, run a ``tasks.run_*`` function."""

    _requires_connection = False
    TRANSFERS_FILES = False
    _VALID_ARGS: frozenset[str] = frozenset()

    spec: dict[str, Any] = {}
    checks: dict[str, Any] = {}  # required_by, required_one_of, ... (args.*_CHECKS)
    task_fn: Optional[Callable[..., dict[str, Any]]] = None
    fill_from_hostvars: tuple[str, ...] = ()

    def defaults(self, task_vars: dict[str, Any]) -> dict[str, Any]:
        """Values of options the task left unset, from the play (a subclass's own rules)."""
        return {}

    def _hostvar(self, task_vars: dict[str, Any], names: tuple[str, ...]) -> tuple[Any, Optional[str]]:
        """The first defined host variable of ``names`` and its name."""
        for var in names:
            if var in task_vars and task_vars[var] is not None:
                return self._templar.template(task_vars[var]), var
        return None, None

    def _fallback(self, option: str) -> Any:
        """The play's connection settings, then AWX/AAP network credential variables."""
        play = getattr(self, "_play_context", None)
        attr = PLAY_CONTEXT.get(option)
        value = getattr(play, attr, None) if play is not None and attr else None
        if value:
            return value
        env = NET_ENV.get(option)
        return os.environ.get(env) or None if env else None

    def task_runner(self, task_vars: dict[str, Any]) -> Callable[..., dict[str, Any]]:
        """The function that runs the task (the resync action runs it through its batch)."""
        if self.task_fn is None:
            raise NotImplementedError("%s sets no task_fn" % type(self).__name__)
        return type(self).task_fn  # type: ignore[return-value]

    def task_params(self, task_vars: dict[str, Any]) -> tuple[Optional[dict[str, Any]], Optional[str], dict[str, Any]]:
        """The task's validated parameters (options filled from host variables), or an error message;
        and the extra arguments of the task function."""
        args = dict(self._task.args)
        sources: dict[str, str] = {}
        for option in self.fill_from_hostvars:
            if args.get(option) is None:
                value, var = self._hostvar(task_vars, HOSTVARS.get(option, ()))
                if value is None:
                    value = self._fallback(option)
                elif var is not None:
                    sources[option] = var
                if value is not None:
                    args[option] = value
        extra: dict[str, Any] = {}
        try:
            defaults = self.defaults(task_vars)
        except ValueError as exc:  # a play variable of the wrong shape: the host's task fails saying which
            return None, str(exc), extra
        for option, value in defaults.items():
            if args.get(option) is None:
                args[option] = value
        if "host" in self.fill_from_hostvars and connection_of(task_vars, self._templar, self._task) in NETWORK_CLI:
            # CLI platforms: read through the host's persistent network_cli connection (cliconf)
            if args.get("port") is None:
                args["port"] = 22
            extra["opener"] = cli_task_opener(self, task_vars)
        # plain values: the validator deep-copies its input, and a tagged value (inventory strings carry
        # their origin) costs ~15 times a plain one to copy; nothing here needs the tags
        validated = ArgumentSpecValidator(self.spec, **self.checks).validate(native(args))
        if validated.error_messages:
            return None, "; ".join(_name_hostvars(m, sources) for m in validated.error_messages), extra
        return validated.validated_parameters, None, extra

    def run(self, tmp: Any = None, task_vars: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        result.update(self.run_direct(task_vars or {}))
        return result

    def run_direct(self, task_vars: dict[str, Any]) -> dict[str, Any]:
        """The task's own run: ``run`` without ``ActionBase.run``'s checks of async, check mode
        support, arguments and remote temporary directory, which concern none of these controller-side
        actions (the fleet strategy's direct path calls this with no connection)."""
        result: dict[str, Any] = {}
        runner = self.task_runner(task_vars)
        params, error, extra = self.task_params(task_vars)
        if params is None:
            result.update(failed=True, msg=error)
            return result
        try:
            out = runner(params, check_mode=bool(self._task.check_mode), diff=bool(self._task.diff), **extra)
        except TaskFailed as exc:
            result.update(exc.result)
            if exc.result.get("error") in UNREACHABLE_KINDS:
                result.update(unreachable=True, msg=exc.msg)  # the recap counts it as unreachable
            else:
                result.update(failed=True, msg=exc.msg)
            return result
        except Exception as exc:  # a bug (or a store/library error): internal, with the traceback
            result.update(failed=True, error="internal", msg=internal_error_message(exc),
                          exception=internal_traceback(exc))
            return result
        result.update(out)
        return result


_NATIVE = (str, int, float)


def native(value: Any) -> Any:
    """``value`` with every tagged scalar (a subclass of str, int or float) as its plain type, in dicts and lists."""
    if isinstance(value, dict):
        return {native(k): native(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [native(v) for v in value]
    kind = type(value)
    if kind in _NATIVE or isinstance(value, bool):
        return value
    for base in _NATIVE:
        if isinstance(value, base):  # a subclass: ansible-core's tagged str, int or float
            return base(value)
    return value


def _name_hostvars(message: str, sources: dict[str, str]) -> str:
    """Say which host variable an invalid option came from (``netsync_timeout: soon``)."""
    for option, var in sources.items():
        if "'%s'" % option in message or "argument %s " % option in message or message.startswith(option + " "):
            return "%s (from the host variable %s)" % (message, var)
    return message
