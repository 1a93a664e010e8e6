"""What each sandbox scenario of Microsoft 365 must produce (tests/test_scenarios.py).

A row: the scenario, ``roomcal check``'s exit code, the status of the checks that
matter, and a phrase of the sentence the user reads in the first of them. The
central test collects every provider's rows through the registry and runs each
through the CLI and the TUI (and tests/test_replay.py replays them).
"""

from wizard.providers import Scenario

SCENARIOS = (
    Scenario("healthy", 0, {"calendar_access": "pass", "hidden_rooms": "pass",
                            "hybrid_rooms": "pass", "scoping": "manual", "cronofy_app": "skip"},
             "readable"),
    Scenario("m365-hidden-rooms", 0, {"hidden_rooms": "warn", "rooms": "pass"},
             "hidden from the address list"),
    Scenario("m365-hybrid-rooms", 1, {"hybrid_rooms": "fail", "calendar_access": "pass"},
             "Exchange Server connection"),
    Scenario("m365-mailbox-settings-denied", 0, {"hidden_rooms": "warn", "hybrid_rooms": "warn"},
             "MailboxSettings.Read"),
    Scenario("m365-cronofy-permissions", 1, {"cronofy_app": "fail"},
             "User.Read.All, Organization.Read.All"),
    Scenario("m365-cronofy-ews", 0, {"cronofy_app": "warn"}, "1 April 2027"),
    Scenario("m365-not-admin", 1, {"admin_role": "fail"}, "admin consent"),
    Scenario("m365-app-admin", 1, {"admin_role": "fail"},
             "cannot grant tenant-wide consent to Microsoft Graph application permissions"),
    Scenario("m365-rooms-outside-lists", 1,
             {"room_list": "warn", "calendar_access": "fail"}, "in no room list"),
    Scenario("m365-device-code-declined", 1, {"sign_in": "fail"}, "declined"),
    Scenario("m365-device-code-expired", 1, {"sign_in": "fail"}, "expired"),
    Scenario("m365-unauthorized", 1, {"sign_in": "fail"}, "HTTP 401"),
    Scenario("m365-malformed", 1, {"rooms": "fail"}, "not JSON"),
    Scenario("no-rooms", 1, {"rooms": "fail"}, "no room mailboxes"),
    Scenario("throttled", 0, {"rooms": "pass"}),
    Scenario("markup-names", 0, {"rooms": "pass"}),
    Scenario("healthy", 0, {"room_display": "pass"}, "show what was booked"),
    Scenario("room-defaults", 0, {"room_display": "warn"}, "would not show what was booked"),
    Scenario("room-unused", 0, {"room_display": "warn"}, "Not evaluated for 6 rooms"),
)
