"""The one base class of errors meant for the user.

Every error whose message is written for the person at the keyboard (one sentence, no traceback) derives from
`PhotoclipError`.  The CLI prints str(e) and exits with `e.exit_code`; the service sends str(e) and `usage`
to its socket clients, which raise them again on their side; the window shows str(e).  A usage error (the
request cannot be meant as given: a search-language mistake, an unknown album option) exits with status 2,
everything else with 1.  This module imports nothing, so the lightest client can use it.
"""
from __future__ import annotations


class PhotoclipError(Exception):
    """str(e) is one sentence for the user."""

    usage = False  # a request that cannot be meant as given

    @property
    def exit_code(self) -> int:
        return 2 if self.usage else 1


class UsageError(PhotoclipError):
    """A request that cannot be meant as given (exit status 2)."""

    usage = True


class ServiceStopped(PhotoclipError):
    """The library service has stopped, or none runs where one is needed."""


class CannotRun(PhotoclipError):
    """Something this machine lacks for the request (a display, a writable folder); str(e) says what to do."""


class ModelUnavailable(PhotoclipError):
    """The model could not be loaded."""
