"""Accounts, roles, sessions, API tokens and the guards that protect every route."""
