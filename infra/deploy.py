"""Deploy lofin's stack: each host gets the tasks of its roles (infra/tasks/), configs from infra/templates.

    pyinfra infra/inventories/production.py infra/deploy.py          # apply
    pyinfra infra/inventories/production.py infra/deploy.py --dry    # show what would change

Production passwords come from LOFIN_SECRET_* environment variables (see infra/README.md).
"""

from pyinfra import host

from infra.render import lab_secrets, production_secrets, render_host
from infra.tasks import app, backup, db, etcd, haproxy, monitoring_agents
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
    backup.apply(files)
if "haproxy" in me.roles:
    haproxy.apply(files)
if "app" in me.roles:
    app.apply(files)
