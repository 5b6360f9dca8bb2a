"""Widgets of the sestui app."""
