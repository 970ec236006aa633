"""Shared building blocks with no HTTP in them."""
