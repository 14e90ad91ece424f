"""The daily service inspection on the primary region's first app host: its accounts, service and timer."""

from __future__ import annotations

from collections.abc import Mapping

from pyinfra.api import deploy
from pyinfra.operations import files, server, systemd
from pyinfra.operations.util import any_changed

from infra.render import INSPECTION_ACCOUNTS, INSPECTION_FILES, RenderedFile
from infra.tasks import put_config
from infra.tasks.app import ENV_FILE, VENV

ACCOUNT_ROLES = {"official": ("official", "11110"), "operator": ("operator", None)}


@deploy("lofin daily inspection")
def apply(config_files: Mapping[str, RenderedFile]) -> None:
    """Create the inspection's two accounts (once), write its units and schedule it daily."""
    env_file, service_file, timer_file = INSPECTION_FILES
    accounts = put_config(config_files[env_file], "inspection accounts")
    files.directory(
        name="Create the inspection reports directory",
        path="/var/lib/lofin/inspections",
        user="lofin",
        group="lofin",
        mode="0750",
    )
    for kind, username in INSPECTION_ACCOUNTS.items():
        role, government = ACCOUNT_ROLES[kind]
        create = (
            f"{VENV}/bin/lofin user create --username {username} --display-name '일일점검 ({kind})' "
            f"--role {role}" + (f" --government {government}" if government else "")
        )
        # `user create` refuses a taken username; that is the only refusal this step accepts
        server.shell(
            name=f"Create the inspection account {username} unless it exists",
            commands=[
                f"set -a && . {ENV_FILE} && . {env_file} && set +a && "
                f'out=$(LOFIN_NEW_USER_PASSWORD="$LOFIN_INSPECT_PASSWORD" {create} 2>&1) '
                f'|| echo "$out" | grep -q "is already taken"'
            ],
            _sudo=True,
            _sudo_user="lofin",
            _if=accounts.did_change,
        )
    service = put_config(config_files[service_file], "inspection unit")
    timer = put_config(config_files[timer_file], "inspection timer")
    systemd.daemon_reload(
        name="Reload systemd after an inspection unit change", _if=any_changed(service, timer)
    )
    systemd.service(
        name="Schedule the daily inspection", service="lofin-inspect.timer", running=True, enabled=True
    )
