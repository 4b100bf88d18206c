# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""galaxy.yml holds only fields a Galaxy or Automation Hub upload accepts, in the form they accept.

The keys and types come from ansible-core's own schema (ansible/galaxy/data/collections_galaxy_meta.yml,
what ``ansible-galaxy collection build`` checks); the tag and version rules are Galaxy's import
rules (lower-case alphanumeric tags of at most 64 characters, at most 20 tags, semantic version),
and Automation Hub wants at least one tag of its fixed list.
"""

import re
from pathlib import Path
from urllib.parse import urlparse

import ansible.galaxy
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(ansible.galaxy.__file__).parent / "data" / "collections_galaxy_meta.yml"
TYPES = {"str": str, "list": list, "dict": dict}
HUB_TAGS = {"application", "cloud", "database", "infrastructure", "linux", "monitoring", "networking", "security",
            "storage", "tools", "windows"}
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def test_galaxy_yml_fields_are_accepted():
    meta = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    schema = {entry["key"]: entry for entry in yaml.safe_load(SCHEMA.read_text())}
    assert sorted(set(meta) - set(schema)) == []
    assert sorted(k for k, e in schema.items() if e.get("required") and k not in meta) == []
    for key, value in meta.items():
        if schema[key].get("type") in TYPES:
            assert isinstance(value, TYPES[schema[key]["type"]]), key
    assert (meta["namespace"], meta["name"]) == ("sshd", "doctor")
    assert SEMVER.match(meta["version"]) and (ROOT / meta["readme"]).is_file()
    assert not ("license" in meta and "license_file" in meta)
    tags = meta.get("tags") or []
    assert len(tags) <= 20 and all(re.match(r"^[a-z0-9_]{1,64}$", t) for t in tags)
    assert set(tags) & HUB_TAGS
    for key in ("repository", "documentation", "homepage", "issues"):
        if key in meta:
            url = urlparse(meta[key])
            assert url.scheme == "https" and url.netloc and " " not in meta[key], key
