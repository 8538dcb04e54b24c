"""Mistakes a user can fix, and the one line the CLI prints for each instead of a traceback."""

from __future__ import annotations

import sys

from titlegraph.config import Settings


class UserError(Exception):
    """A mistake the user can fix (a setting, a missing file, a busy port); the message says what
    is wrong and what to do, and the CLI prints it as one line and exits 1."""


def explain(error: BaseException, settings: Settings) -> str | None:
    """One line saying what is wrong and what to do, or None for an error that is a bug."""
    if isinstance(error, UserError):
        return str(error)
    # The driver is imported only by commands that talk to Neo4j; without it, no driver error occurred.
    exceptions = sys.modules.get("neo4j.exceptions")
    if exceptions is None:
        return None
    if isinstance(error, exceptions.AuthError):
        where = (f"the password is in {settings.neo4j_home / 'password'}" if settings.manages_neo4j
                 and settings.neo4j_password is None else "check NEO4J_USER and NEO4J_PASSWORD")
        return f"Neo4j at {settings.bolt_uri} refused user {settings.neo4j_user!r}: {where}"
    if isinstance(error, exceptions.ServiceUnavailable):
        fix = ("start it with `titlegraph neo4j start`" if settings.manages_neo4j
               else "check NEO4J_URI and that the server runs")
        return f"Neo4j at {settings.bolt_uri} cannot be reached ({type(error).__name__}): {fix}"
    return None
