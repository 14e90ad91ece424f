"""Imports every module that registers background tasks, so a worker knows them all."""

from app.platform.auth import tasks as auth_tasks

__all__ = ["auth_tasks"]
