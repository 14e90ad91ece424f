"""Production: daejeon (primary region) and gwangju (DR region), reached over SSH.

pyinfra infra/inventories/production.py infra/deploy.py --dry
"""

from infra.inventories import groups

_groups = groups("production")

db = _groups["db"]
etcd = _groups["etcd"]
haproxy = _groups["haproxy"]
app = _groups["app"]
monitoring = _groups["monitoring"]
backup = _groups["backup"]
daejeon = _groups["daejeon"]
gwangju = _groups["gwangju"]
