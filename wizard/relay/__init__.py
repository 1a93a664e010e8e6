"""``roomcal relay``: the vendor-side service of step 2 (Cronofy Enterprise Connect).

The meeting-room vendor runs it behind TLS at a public address. It holds the vendor's
Cronofy application per data centre, receives Cronofy's redirects and per-room
callbacks, exchanges every code itself, keeps the tokens encrypted at rest and proves
each room from Cronofy's side. Organisations reach it with a bearer token of their
own (``roomcal relay enroll ORG``); docs/relay.md describes the HTTP API.

Installed as an extra (``roomcal-wizard[relay]``): nothing in the wizard imports it.
"""
