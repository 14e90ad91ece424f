"""Deploy lofin's stack: each host gets the tasks of its roles (infra/tasks/), configs from infra/templates.

    pyinfra infra/inventories/production.py infra/deploy.py          # apply
    pyinfra infra/inventories/production.py infra/deploy.py --dry    # show what would change

The app hosts install the release built by ``make release`` into dist/release (another directory:
``--data lofin_release=<dir>``).

Production passwords come from LOFIN_SECRET_* environment variables (see infra/README.md).
"""

from pathlib import Path

from pyinfra import host

from infra.render import INSPECTION_FILES, lab_secrets, production_secrets, render_host
from infra.tasks import app, backup, db, etcd, haproxy, inspection, monitoring_agents
from infra.topology import load

env = load(host.data.lofin_env)
me = env.host(host.data.lofin_host)
files = {
    rendered.path: rendered
    for rendered in render_host(env, me, lab_secrets() if env.lab else production_secrets())
}

monitoring_agents.apply(files, "db" in me.roles)
if "etcd" in me.roles:
    etcd.apply(files)
if "db" in me.roles:
    db.apply(files)
if "backup" in me.roles:
    backup.apply(files, env.cluster["stanza"])
if "haproxy" in me.roles:
    haproxy.apply(files)
if "app" in me.roles:
    # the first app host of the primary region migrates the schema, once per release
    primary = next(region for region in env.regions.values() if region.kind == "primary")
    app.apply(
        files, Path(host.data.get("lofin_release", "dist/release")), migrate=me == primary.with_role("app")[0]
    )
    if INSPECTION_FILES[0] in files:  # the daily inspection runs from the primary region's first app host
        inspection.apply(files)
