"""The lab's hosts (loopback addresses). ``lofin-ops lab up`` renders the same configs without SSH;
this inventory is for running the deploy against the loopback addresses where sshd listens on them.
"""

from infra.inventories import groups

_groups = groups("lab")

db = _groups["db"]
etcd = _groups["etcd"]
haproxy = _groups["haproxy"]
app = _groups["app"]
monitoring = _groups["monitoring"]
backup = _groups["backup"]
daejeon = _groups["daejeon"]
gwangju = _groups["gwangju"]
