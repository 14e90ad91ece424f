"""Small stdlib-only programs that run next to the monitored services."""
