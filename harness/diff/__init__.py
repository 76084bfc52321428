"""Compare two offline-check reports and report what a pull request replaces.

`compare_reports` finds what was added, removed, updated and replaced.
`describe_impacts` describes what each replacement means to the services that
use it, `evaluate_gate` decides the exit code, and `render_text` and
`render_markdown` format the result. Property values never leave this package:
a change is named by its property, never shown.
"""
