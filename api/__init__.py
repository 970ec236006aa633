"""Badge service: a JSON REST API that turns attendee lists into print-ready badges."""
