"""Control center for operators: both regions, alerts, drills, backups and the daily inspection."""
