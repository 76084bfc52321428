"""Run the secrets-platform program without the Pulumi CLI.

`check` runs it under the SDK's mocks and evaluates the policy pack, `policy`
evaluates the pack on a resource dump, and `local` applies the `local` stack to
a live OpenBao server.
"""
