"""The local apply (`./run local`): the program applied to a live OpenBao server.

`cli.main` starts `bao server -dev`, runs the program with `LocalApplyMocks`
so that each resource is created for real, then verifies drift, access,
transit, CI logins and certificate chains. See docs/local-apply.md.
"""
