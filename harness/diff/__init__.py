"""Compare two offline-check reports and say what a pull request replaces.

`compare_reports` finds what was added, removed, updated and replaced,
`describe_impacts` says what each replacement means to the services that use
it, `evaluate_gate` decides the exit code, and `render_text` and
`render_markdown` print the result. Property values never leave this package:
a change is named by its property, never shown.
"""
