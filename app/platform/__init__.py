"""Shared platform code: settings, database, auth, tenancy, audit, errors, metrics, health, i18n."""
