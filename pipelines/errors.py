"""One home for the errors a user can act on.

Every error raised on purpose by this project is an ``AttribError``; the command line prints its
message as one paragraph (no traceback) and exits with status 2, or 1 for ``NotFoundError``
(an id that names nothing).
"""


class AttribError(Exception):
    """An error whose message tells the user what to do."""


class Neo4jSetupError(AttribError):
    """The local Neo4j could not be installed, configured or started."""


class GraphUnavailableError(AttribError):
    """No Neo4j answers at the configured address."""


class GraphAuthError(AttribError):
    """Neo4j answered but refused the credentials."""


class ContractError(AttribError):
    """An input contract file or a landing folder is not usable."""


class NotFoundError(AttribError):
    """An id given by the user names nothing in the graph."""


class SettingsError(AttribError):
    """A setting in the environment (or ``.env``) names nothing usable."""
