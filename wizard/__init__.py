"""roomcal: connect room calendars to a meeting-room product through Cronofy."""

__version__ = "0.1.0"
