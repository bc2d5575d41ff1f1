#!/usr/bin/env bash
# ansible-test sanity on what users get: the built collection, unpacked at a real
# ansible_collections/netsync/fleet path in a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$root/.venv/bin/ansible-galaxy" collection build --output-path "$tmp" --force >/dev/null
dest="$tmp/ansible_collections/netsync/fleet"
mkdir -p "$dest"
tar -xzf "$tmp"/netsync-fleet-*.tar.gz -C "$dest"
# Sanity ignores live in the repo only (tests/ is not shipped): each entry says why in docs/dev/sanity.md.
mkdir -p "$dest/tests" && cp -r "$root/tests/sanity" "$dest/tests/"
cd "$dest"
# A throwaway git repo: ansible-test lists the files to check from git.
git init -q . && git add -A >/dev/null && git -c user.email=ci@localhost -c user.name=ci commit -qm staged
export PATH="$root/.venv/bin:$PATH"
# ansible-test downloads get-pip.py from a host outside the package registries: put a local
# stand-in (ensurepip + the package index) where it looks first.
mkdir -p ~/.ansible/test/cache
for v in $(grep -ho "pip='[0-9.]*'" "$root"/.venv/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | tr -dc "0-9.\n"); do
  cp "$root/scripts/get_pip_ensurepip.py" ~/.ansible/test/cache/get_pip_${v//./_}.py
done
ansible-test sanity --python 3.11 --color no "$@"
