"""Bulk payments: CSV batches, treasury bank files, result reconciliation, and the continuity export."""
