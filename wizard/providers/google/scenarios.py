"""What each sandbox scenario of Google Workspace must produce (tests/test_scenarios.py).

A row: the scenario, ``roomcal check``'s exit code, the status of the checks that
matter, and a phrase of the sentence the user reads in the first of them. The
central test collects every provider's rows through the registry and runs each
through the CLI and the TUI (and tests/test_replay.py replays them).
"""

from wizard.providers import Scenario

SCENARIOS = (
    # The Marketplace install cannot be read. In the sandbox's world the organisation has
    # installed the app (not-super-admin's has not), so a scripted check of a healthy
    # scenario ends healthy; the TUI still asks the person (its toggle).
    Scenario("healthy", 0, {"rooms": "pass", "api_controls": "pass"},
             "conference rooms found"),
    Scenario("not-super-admin", 1, {"super_admin": "fail", "api_controls": "skip"},
             "delegated"),
    Scenario("google-calendar-restricted", 1, {"api_controls": "manual"},
             "Calendar is Restricted in the API controls for 2 organisational units"),
    Scenario("google-policy-api-disabled", 0, {"api_controls": "warn"}, "Cloud Identity API"),
    Scenario("google-policy-scope-withheld", 0, {"api_controls": "warn", "sign_in": "pass"},
             "view the organisation's policies"),
    Scenario("google-custom-admin-role", 0, {"super_admin": "warn", "api_controls": "warn"},
             "Cronofy's custom roles"),
    Scenario("google-api-disabled", 1, {"admin_api": "fail"}, "Admin SDK API"),
    Scenario("google-unauthorized", 1, {"admin_api": "fail"}, "HTTP 401"),
    Scenario("google-scope-withheld", 1, {"sign_in": "fail"},
             "read calendar resources"),
    Scenario("clock-skew", 0, {"sign_in": "warn"}, "20 minutes"),
    Scenario("no-rooms", 0, {"rooms": "warn"}, "no conference-room"),
    Scenario("throttled", 0, {"rooms": "pass"}),
    Scenario("markup-names", 0, {"rooms": "pass"}),
    Scenario("healthy", 0, {"room_display": "pass"}, "show what was booked"),
    Scenario("room-unused", 0, {"room_display": "warn"}, "Not evaluated for 6 rooms"),
)
