"""The one exception type the command line turns into a message instead of a traceback."""


class UserError(Exception):
    """A problem the user can fix; shown as one line, without a traceback."""
