"""One federation-file loader: a vaulted child token works in the inventory plugin and both lookups."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ansible.parsing.dataloader import DataLoader
import pytest
from ansible.parsing.vault import VaultLib, VaultSecret, VaultSecretsContext

from ansible_collections.netsync.fleet.plugins.plugin_utils.federation_master.config import load_federation
from tests.system.helpers import REPO, VENV_BIN, ansible_env
from tests.system.plugins.lookup.conftest import TOKEN, Fed

PASSWORD = b"federation-vault-password"
PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Alarms
      ansible.builtin.debug:
        msg: "{{ query('netsync.fleet.alarms') | length }}"
    - name: Metrics
      ansible.builtin.debug:
        msg: "{{ lookup('netsync.fleet.metrics', 'resync_duration', device='r1', start='-1d') }}"
"""


def vaulted_config(fed: Fed) -> Path:
    """The federation file with each child's token as an inline ``!vault`` value."""
    cipher = VaultLib([("default", VaultSecret(PASSWORD))]).encrypt(TOKEN).decode()
    lines = ["plugin: netsync.fleet.federation", "store: %s" % fed.master, "page_size: 50", "children:"]
    for name, child in fed.children.items():
        lines += ["  - name: %s" % name, "    url: %s" % child.url, "    token: !vault |"]
        lines += ["      %s" % line for line in cipher.splitlines()]
    fed.path.write_text("\n".join(lines) + "\n")
    (fed.tmp / "vault.pw").write_bytes(PASSWORD + b"\n")
    return fed.path


def run(fed: Fed, *argv: str) -> subprocess.CompletedProcess[str]:
    env = ansible_env(str(fed.tmp / "unused.db"), ANSIBLE_VAULT_PASSWORD_FILE=str(fed.tmp / "vault.pw"),
                      NETSYNC_FEDERATION_CONFIG=str(fed.path))
    proc = subprocess.run([str(VENV_BIN / argv[0]), *argv[1:]], cwd=str(REPO), env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def test_loader_decrypts_a_vaulted_token(fed: Fed, monkeypatch: pytest.MonkeyPatch) -> None:
    path = vaulted_config(fed)
    secrets = [("default", VaultSecret(PASSWORD))]
    monkeypatch.setattr(VaultSecretsContext, "_current", VaultSecretsContext(secrets))  # what the CLI sets up
    loader = DataLoader()
    loader.set_vault_secrets(secrets)
    assert [c.token for c in load_federation(str(path), loader).config.children] == [TOKEN, TOKEN]


def test_inventory_and_lookups_with_a_vaulted_token(fed: Fed) -> None:
    path = vaulted_config(fed)
    inventory = run(fed, "ansible-inventory", "-i", str(path), "--list")
    assert "refused the token" not in inventory.stderr and "stale" not in inventory.stderr
    assert json.loads(inventory.stdout)["_meta"]["hostvars"] == {}  # the children hold no device: no host
    (fed.tmp / "play.yml").write_text(PLAY)
    (fed.tmp / "inv.ini").write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n"
                                     % (VENV_BIN / "python"))
    play = run(fed, "ansible-playbook", "-i", str(fed.tmp / "inv.ini"), str(fed.tmp / "play.yml"))
    assert "refused the token" not in play.stdout + play.stderr
    assert "stale" not in play.stdout + play.stderr
