# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for ansible-test's pip bootstrap script, whose download host is not reachable here.

ansible-test runs this file as ``get_pip`` with pip's install options and the pinned
packages as arguments; the interpreter's own ensurepip provides pip, PyPI the pinned
versions.
"""

import ensurepip
import os
import subprocess
import sys

# get-pip's own flags, which pip install does not know
GET_PIP_ONLY = ("--no-setuptools", "--no-wheel")

ensurepip.bootstrap(upgrade=True)
# ensurepip hides pip's config files from itself through the environment; the install of the
# pinned versions must see them again (index, certificates).
os.environ.pop("PIP_CONFIG_FILE", None)
args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--quiet", *args]))
