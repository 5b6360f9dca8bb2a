"""Screens pushed over the main tabs."""
