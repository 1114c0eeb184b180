"""Running for days unattended: the supervisor's protocol, the status file, saved state."""
