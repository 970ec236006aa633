"""The badge render engine: a library with no Flask and no database.

Jobs, the preview endpoint and the CLI all call it. A template is compiled once (validated,
its static layer recorded) and stamped once per attendee; text is laid out with Pango.
"""
