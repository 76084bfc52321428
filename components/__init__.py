"""Pulumi components that declare the secrets platform, one concept per module."""
