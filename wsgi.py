"""The WSGI entry point: the only module with a module-level app.

Under `flask --app wsgi ...` a configuration problem is one line saying what to set,
and `--help` still lists every command; a WSGI server gets the exception as it is.
"""

import sys

from survey import create_app
from survey.config import ConfigError


def _flask_command() -> tuple[bool, str | None]:
    """Whether the flask command line is loading us, and the command it will run."""
    program = sys.argv[0].rsplit("/", 1)[-1]
    if not (program.startswith("flask") or program == "__main__.py"):
        return False, None
    arguments, index = sys.argv[1:], 0
    while index < len(arguments):
        argument = arguments[index]
        if argument in ("--app", "-A", "--env-file", "-e"):
            index += 2
        elif argument.startswith("-"):
            index += 1
        else:
            return True, argument
    return True, None


try:
    app = create_app()
except ConfigError as error:
    flask_cli, command = _flask_command()
    if not flask_cli:
        raise
    if command is not None and "--help" not in sys.argv:
        print(f"Error: {error}\n(to try the platform out: SURVEY_ENV=development)", file=sys.stderr)
        raise SystemExit(2) from None
    # Only the help is wanted: an unconfigured app lists the commands.
    app = create_app(environ={"SURVEY_ENV": "development"})
