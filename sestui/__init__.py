"""sestui: a terminal live monitor for Amazon SES feedback, event-publishing and CloudTrail logs."""

__version__ = "0.1.0"
