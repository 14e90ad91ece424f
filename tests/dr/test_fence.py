"""The fence's refusals, which must hold before anything touches a process or the network (no lab needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dr import cluster
from infra import lab as lab_module
from infra.lab import Lab, LabError
from infra.topology import load


@pytest.fixture
def markers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fence markers in a temporary directory instead of the shared lab's."""

    def marker(region: str) -> Path:
        return tmp_path / f"{region}.json"

    monkeypatch.setattr(lab_module, "fence_marker", marker)
    monkeypatch.setattr(cluster, "fence_marker", marker)
    return tmp_path


def test_activation_refuses_while_the_other_region_is_not_fenced(markers: Path) -> None:
    with pytest.raises(cluster.DrillError, match="daejeon is not fenced"):
        cluster.activate(Lab(load("lab"), {}), "gwangju")


def test_lab_up_refuses_to_start_a_fenced_region(markers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (markers / "daejeon.json").write_text('{"region": "daejeon"}\n')
    monkeypatch.setattr(lab_module.os, "geteuid", lambda: 0)

    def went_past_the_fence(echo: object) -> None:
        raise AssertionError("lab up went past the fence check")

    monkeypatch.setattr(lab_module, "ensure_patroni_venv", went_past_the_fence)
    with pytest.raises(LabError, match="daejeon is fenced after a DR activation"):
        lab_module.up(echo=lambda _: None)
