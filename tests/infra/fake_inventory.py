"""The topology of LOFIN_INVENTORY_ENV (production or lab) behind pyinfra's ``@fake`` connector.

Used by test_render.py to dry-run infra/deploy.py without SSH: facts come back empty, nothing runs.
"""

import os

from infra.inventories import groups

# what an empty Debian host answers to the facts the deploy asks for
FAKE_HOST_DATA = {
    "fake_delay": 0,
    "fake_delay_jitter": 0,
    "fake_responses": {"uname -s": "Linux", "command -v": "/usr/sbin/found"},
}

_groups = groups(os.environ["LOFIN_INVENTORY_ENV"], address_of=lambda host: f"@fake/{host.name}")
for _entries in _groups.values():
    for _name, _data in _entries:
        _data.update(FAKE_HOST_DATA)

db = _groups["db"]
etcd = _groups["etcd"]
haproxy = _groups["haproxy"]
app = _groups["app"]
monitoring = _groups["monitoring"]
backup = _groups["backup"]
daejeon = _groups["daejeon"]
gwangju = _groups["gwangju"]
