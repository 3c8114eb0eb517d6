"""Writes for the marketplace. Views, admin, commands and tasks call these only."""
