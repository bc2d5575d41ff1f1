#!/usr/bin/env bash
# ansible-lint (production profile) on roles, playbooks and rulebooks.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=()
for d in roles playbooks extensions/eda/rulebooks extensions/molecule; do
  [[ -n "$(find "$d" -name '*.yml' -print -quit 2>/dev/null)" ]] && targets+=("$d")
done
((${#targets[@]})) || { echo "ansible-lint: nothing to lint"; exit 0; }
ANSIBLE_COLLECTIONS_PATH="$PWD/.collections" .venv/bin/ansible-lint --offline --profile production "${targets[@]}"
