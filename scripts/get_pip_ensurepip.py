"""Stand-in for pip's get-pip.py bootstrap, which ansible-test downloads from a host this
network cannot reach: installs pip with the interpreter's own ensurepip, then runs
`pip install` with the arguments ansible-test gave (packages come from the package index)."""
import ensurepip
import os
import subprocess
import sys

env = dict(os.environ)  # ensurepip sets PIP_CONFIG_FILE=/dev/null in os.environ: keep the caller's
ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
if any(not a.startswith("-") for a in args):
    sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args, env=env))
