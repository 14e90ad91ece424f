"""One pyinfra task module per role; each exposes ``apply(files)`` taking the host's rendered configs."""

from __future__ import annotations

from io import StringIO

from pyinfra.api.operation import OperationMeta
from pyinfra.operations import files as file_ops

from infra.render import RenderedFile


def put_config(rendered: RenderedFile, what: str) -> OperationMeta:
    """Upload one rendered config file with its owner and mode; the result tells whether it changed."""
    return file_ops.put(
        name=f"Write {what} ({rendered.path})",
        src=StringIO(rendered.content),
        dest=rendered.path,
        user=rendered.owner,
        group=rendered.owner,
        mode=rendered.mode,
    )
