"""What each sandbox scenario of Exchange Server must produce (tests/test_scenarios.py).

A row: the scenario, ``roomcal check``'s exit code, the status of the checks that
matter, and a phrase of the sentence the user reads in the first of them. The
central test collects every provider's rows through the registry and runs each
through the CLI and the TUI (and tests/test_replay.py replays them).
"""

from wizard.providers import Scenario

SCENARIOS = (
    Scenario("healthy", 0, {"impersonation": "pass"}, "can impersonate all 6"),
    Scenario("wrong-password", 1, {"credentials": "fail", "rooms": "skip"},
             "HTTP 401"),
    Scenario("impersonation-denied", 1, {"impersonation": "fail"},
             "ApplicationImpersonation"),
    Scenario("no-room-list", 1, {"room_list": "fail"}, "no room list yet"),
    Scenario("unknown-room-list", 1, {"room_list": "fail"}, "is not a room list"),
    Scenario("no-rooms", 1, {"rooms": "fail"}, "contains no rooms"),
    Scenario("malformed-xml", 1, {"credentials": "fail"}, "did not answer with EWS"),
    Scenario("ews-disabled", 1, {"endpoint": "fail"}, "HTTP 403"),
    Scenario("throttled", 0, {"impersonation": "pass"}),
    Scenario("slow", 0, {"impersonation": "pass"}),
    Scenario("markup-names", 0, {"rooms": "pass"}),
    Scenario("many-rooms", 0, {"impersonation": "pass"}, "all 5\u00a0000 rooms"),
    Scenario("healthy", 0, {"room_display": "pass"}, "show what was booked"),
    Scenario("room-defaults", 0, {"room_display": "warn"}, "would not show what was booked"),
    Scenario("room-unused", 0, {"room_display": "warn"}, "Not evaluated for 6 rooms"),
    Scenario("exchange-internal-name", 0, {"public_name": "warn"},
             "resolves only to internal addresses (10.20.30.40)"),
    Scenario("exchange-single-label", 0, {"public_name": "warn", "credentials": "pass"},
             "localhost is a single-label name"),
    Scenario("exchange-private-ca", 0, {"public_trust": "warn", "credentials": "pass"},
             "not trusted publicly"),
    Scenario("exchange-cert-expiring", 0, {"public_trust": "warn"}, "in 9 days"),
    Scenario("exchange-plain-http", 0, {"public_trust": "warn", "credentials": "pass"},
             "over plain http"),
    Scenario("exchange-forms-preauth", 0, {"auth_methods": "warn", "credentials": "pass"},
             "did not ask for credentials (HTTP 302)"),
    Scenario("exchange-negotiate-only", 1, {"auth_methods": "fail", "credentials": "pass"},
             "EWS offers only Negotiate"),
    Scenario("exchange-notifications-refused", 1,
             {"notifications": "fail", "impersonation": "pass"}, "Raum Elbe, Board Room"),
    Scenario("exchange-write-denied", 1, {"write_access": "fail", "notifications": "pass"},
             "may not book 3 of 6 rooms"),
)
