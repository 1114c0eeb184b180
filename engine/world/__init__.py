"""What the carte holds: contributions, their places, the scene being shown."""
