"""Every config of both inventories renders and passes its own tool's check; the deploy dry-runs."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from infra.lab import PATRONI_VENV, ensure_patroni_venv
from infra.render import (
    SECRET_NAMES,
    SSH_KEY_SECRETS,
    SSH_ONLY_TEMPLATES,
    TEMPLATES_DIR,
    RenderedFile,
    patroni_dcs,
    render_host,
)
from infra.tasks.app import ReleaseMissingError, release_wheel
from infra.topology import PROJECT_ROOT, Environment, load

ENVIRONMENTS = ("production", "lab")


def _ssh_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()


SECRETS = {name: f"test-{name.replace('_', '-')}" for name in SECRET_NAMES} | {
    name: _ssh_key() for name in SSH_KEY_SECRETS
}
SECRET_ENVIRON = {f"LOFIN_SECRET_{name.upper()}": value for name, value in SECRETS.items()}


def rendered(env: Environment) -> dict[tuple[str, str], RenderedFile]:
    """(host, path) → file for every host of ``env``."""
    return {(host.name, f.path): f for host in env.hosts for f in render_host(env, host, SECRETS)}


def write(tmp_path: Path, host: str, file: RenderedFile) -> Path:
    target = tmp_path / host / file.path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(file.content, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def patroni() -> Path:
    ensure_patroni_venv(echo=lambda _: None)
    return PATRONI_VENV / "bin" / "patroni"


class TestTopology:
    def test_lab_addresses_match_the_architecture(self) -> None:
        lab = load("lab")
        daejeon, gwangju = lab.regions["daejeon"], lab.regions["gwangju"]
        assert [h.address for h in daejeon.with_role("db")] == ["127.0.1.1", "127.0.1.2", "127.0.1.3"]
        assert [h.address for h in daejeon.with_role("haproxy")] == ["127.0.1.10"]
        assert [h.address for h in daejeon.with_role("app")] == ["127.0.1.20", "127.0.1.21"]
        assert [h.address for h in gwangju.with_role("db")] == ["127.0.2.1", "127.0.2.2"]
        assert [h.address for h in gwangju.with_role("backup")] == ["127.0.2.40"]
        assert all(h.address.startswith("127.") for h in lab.hosts)

    @pytest.mark.parametrize("name", ENVIRONMENTS)
    def test_both_environments_have_the_same_shape(self, name: str) -> None:
        env = load(name)  # type: ignore[arg-type]
        assert {r.name: r.kind for r in env.regions.values()} == {"daejeon": "primary", "gwangju": "standby"}
        assert sorted(h.name for h in env.hosts) == sorted(h.name for h in load("lab").hosts)


class TestTemplates:
    def test_every_template_is_used_by_both_environments(self) -> None:
        templates = {path.name for path in TEMPLATES_DIR.glob("*.j2")}
        for name in ENVIRONMENTS:
            env = load(name)  # type: ignore[arg-type]
            headers = "".join(f.content for f in rendered(env).values())
            used = {t for t in templates if f"infra/templates/{t}" in headers}
            # the bootstrap.dcs part is embedded into patroni.yml rather than written on its own; the
            # lab's backup repository is a local directory, so only production renders the SSH files
            unused_here = {"patroni-dcs.yml.j2"} | (SSH_ONLY_TEMPLATES if env.lab else set())
            assert used | unused_here == templates, name

    @pytest.mark.parametrize("name", ENVIRONMENTS)
    def test_yaml_and_ini_files_parse(self, name: str) -> None:
        for (host, path), file in rendered(load(name)).items():  # type: ignore[arg-type]
            if path.endswith((".yml", ".yaml")):
                assert isinstance(yaml.safe_load(file.content), dict), (host, path)
            if path.endswith((".conf", ".service")):
                parser = configparser.ConfigParser(strict=True, interpolation=None)
                parser.read_string(file.content)
                assert parser.sections(), (host, path)

    def test_dcs_part_is_kept_apart_and_differs_per_region_kind(self) -> None:
        env = load("production")
        primary = yaml.safe_load(patroni_dcs(env, env.host("daejeon-db1"), SECRETS))
        standby = yaml.safe_load(patroni_dcs(env, env.host("gwangju-db1"), SECRETS))
        assert primary["synchronous_mode"] is True
        assert primary["synchronous_mode_strict"] is True  # no commit acknowledged by a lone new primary
        assert primary["slots"] == {"standby_gwangju": {"type": "physical"}}
        assert primary["postgresql"]["use_pg_rewind"] is True
        assert standby["standby_cluster"] == {
            "host": "10.10.1.20",
            "port": 5000,
            "primary_slot_name": "standby_gwangju",
            "create_replica_methods": ["basebackup"],
        }
        node = yaml.safe_load(rendered(env)[("daejeon-db1", "/etc/patroni/patroni.yml")].content)
        assert node["bootstrap"]["dcs"] == primary
        assert "data-checksums" in node["bootstrap"]["initdb"]
        assert node["postgresql"]["parameters"]["unix_socket_directories"] == "/var/run/postgresql"

    def test_haproxy_routes_rw_to_primary_and_ro_to_replicas(self) -> None:
        config = rendered(load("lab"))[("daejeon-haproxy1", "/etc/haproxy/haproxy.cfg")].content
        assert "bind 127.0.1.10:5000\n    option httpchk GET /primary" in config
        assert "bind 127.0.1.10:5001\n    balance roundrobin\n    option httpchk GET /replica" in config
        assert "bind 127.0.1.10:7000" in config
        assert config.count("check port 8008") == 6


class TestPgBackRestSsh:
    def test_each_side_trusts_exactly_the_others_key_from_its_hosts(self, tmp_path: Path) -> None:
        env = load("production")
        files = rendered(env)
        repo_key = files[("gwangju-backup1", "/var/lib/pgbackrest/.ssh/id_ed25519")]
        db_key = files[("daejeon-db1", "/var/lib/postgresql/.ssh/id_ed25519")]
        assert repo_key.owner == "pgbackrest" and db_key.owner == "postgres"
        assert repo_key.mode == db_key.mode == "0600"

        def public(key: RenderedFile, host: str) -> str:
            path = write(tmp_path, host, key)
            path.chmod(0o600)
            result = subprocess.run(
                ["ssh-keygen", "-y", "-f", str(path)], capture_output=True, text=True, timeout=10
            )
            assert result.returncode == 0, result.stderr
            return result.stdout.strip()

        repo_trusts = files[("gwangju-backup1", "/var/lib/pgbackrest/.ssh/authorized_keys")].content
        db_trusts = files[("gwangju-db2", "/var/lib/postgresql/.ssh/authorized_keys")].content
        db_addresses = ",".join(h.address for r in env.regions.values() for h in r.with_role("db"))
        assert f'restrict,from="{db_addresses}" {public(db_key, "daejeon-db1")}' in repo_trusts
        assert f'restrict,from="10.20.1.50" {public(repo_key, "gwangju-backup1")}' in db_trusts
        assert (
            "StrictHostKeyChecking accept-new"
            in files[("daejeon-db1", "/var/lib/postgresql/.ssh/config")].content
        )

    def test_the_lab_has_no_ssh_files(self) -> None:
        assert not [path for (_, path) in rendered(load("lab")) if "/.ssh/" in path]


class TestValidation:
    def test_patroni_accepts_every_production_node_config(self, tmp_path: Path, patroni: Path) -> None:
        env = load("production")
        for (host, path), file in rendered(env).items():
            if path == "/etc/patroni/patroni.yml":
                result = subprocess.run(
                    [str(patroni), "--validate-config", str(write(tmp_path, host, file))],
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                assert result.returncode == 0, f"{host}: {result.stdout}{result.stderr}"

    @pytest.mark.parametrize("name", ENVIRONMENTS)
    def test_haproxy_accepts_every_config(self, name: str, tmp_path: Path) -> None:
        for (host, path), file in rendered(load(name)).items():  # type: ignore[arg-type]
            if path == "/etc/haproxy/haproxy.cfg":
                result = subprocess.run(
                    ["haproxy", "-c", "-f", str(write(tmp_path, host, file))],
                    capture_output=True,
                    text=True,
                    timeout=30,
                )
                assert result.returncode == 0, f"{host}: {result.stdout}{result.stderr}"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release directory as `make release` lays it out, holding only the lofin wheel (enough to plan)."""
    directory = tmp_path_factory.mktemp("release")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(directory),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        timeout=120,
    )
    (directory / "constraints.txt").write_text((PROJECT_ROOT / "constraints.txt").read_text(encoding="utf-8"))
    return directory


class TestPyinfraDeploy:
    """pyinfra's @fake connector answers facts without SSH, so the deploy's change detection runs for real."""

    def test_a_deploy_without_a_release_says_how_to_build_one(self, tmp_path: Path) -> None:
        with pytest.raises(ReleaseMissingError, match="make release"):
            release_wheel(tmp_path)

    def test_change_conditions_are_any_not_all(self) -> None:
        # pyinfra's `_if=[a, b]` runs only when ALL are true: a restart must follow ANY change.
        for task in (PROJECT_ROOT / "infra" / "tasks").glob("*.py"):
            assert "_if=[" not in task.read_text(encoding="utf-8"), f"{task.name}: use any_changed(...)"

    @pytest.mark.parametrize("name", ENVIRONMENTS)
    def test_dry_run_plans_every_role(self, name: str, release: Path) -> None:
        pyinfra = Path(sys.executable).with_name("pyinfra")
        environ = {**os.environ, **SECRET_ENVIRON, "LOFIN_INVENTORY_ENV": name}
        result = subprocess.run(
            [
                str(pyinfra),
                "--data",
                f"lofin_release={release}",
                "tests/infra/fake_inventory.py",
                "infra/deploy.py",
                "--dry",
            ],
            capture_output=True,
            text=True,
            cwd=PROJECT_ROOT,
            env=environ,
            timeout=120,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output
        for operation in (
            "etcd | Write etcd config (/etc/etcd/etcd.conf.yml)",
            "PostgreSQL and Patroni | Write Patroni config (/etc/patroni/patroni.yml)",
            "HAProxy | Write HAProxy config (/etc/haproxy/haproxy.cfg)",
            "pgBackRest repository | Write pgBackRest repository config",
            "lofin app | Write app environment (/etc/lofin/lofin.env)",
            "lofin app | Upload the release (lofin-",
            "lofin app | Install lofin-",
            "pgBackRest repository | Create the pgBackRest stanza lofin (idempotent) and check archiving",
            "pgBackRest repository | Schedule the full backups",
            "pgBackRest repository | Schedule the diff backups",
            "Monitoring agents | Write node-exporter unit",
        ):
            assert operation in output, operation
        # the schema is migrated once per release, from one host
        assert output.count("Migrate the database schema to this release") == 1, output
