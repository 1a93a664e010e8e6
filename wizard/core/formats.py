"""Format versions of everything roomcal writes for other programs, in one place.

A version changes only when a reader could trip over the change: a key renamed,
removed or changing meaning. Adding a key is not a change. docs/contracts.md
describes each format.
"""

from __future__ import annotations

# `roomcal check … --json` and `roomcal connect --json`: the first key, "format".
CLI_JSON = 1
# Diagnostic reports (`roomcal report`, `check … --report`): the value of "roomcal_report",
# which is the marker that a JSON file is a report and its version at once.
REPORT = 2  # 2: failure codes and nested messages (detail_msg); 1 still replays
# The assign screen's JSON export: "format". Its CSV export has no version: see mapping.py.
EXPORT_JSON = 1
