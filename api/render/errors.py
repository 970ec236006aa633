"""What the engine raises when its input is wrong: the callers turn it into a 422 naming `location`."""

from __future__ import annotations


class RenderInputError(ValueError):
    """Bad input to the engine (attendee file, template, options, image).

    `location` says where, in the terms a user knows: "row 12, column 'name'", "template", "sheet".
    """

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(f"{location}: {message}" if location else message)
        self.message = message
        self.location = location


class LimitExceededError(RenderInputError):
    """Input over a configured size limit; the message names the limit."""


class OutputWriteError(Exception):
    """The output could not be written for a reason of the disk, not of the input: the disk is full
    (`full`), or another write error. Not the task's output limit, which is LimitExceededError."""

    def __init__(self, message: str, *, full: bool) -> None:
        super().__init__(message)
        self.message = message
        self.full = full
