"""The ML Metadata store itself: where it is (connection config), opening it, waiting for a MySQL server that
stopped answering (RetryingMetadataStore), and why a store does not open (one line, never the password).

Only ml_metadata is imported here, not TFX or TensorFlow, so that listing models stays fast.
"""
from __future__ import annotations

import contextlib
import os
import sys
import time

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as mlmd

from core.errors import AdaptError, ConfigError


class MetadataUnavailableError(AdaptError):
    """The MySQL/MariaDB server holding ML Metadata stopped answering (for longer than metadata.retry_seconds)."""


_LOST_SERVER = ("Lost connection to MySQL server", "MySQL server has gone away", "Can't connect to MySQL server",
                "Can't connect to server", "mysql_real_connect failed")


def _server_lost(err: Exception) -> bool:
    return any(sign in str(err) for sign in _LOST_SERVER)


def mysql_location(connection: mlmd.MySQLDatabaseConfig) -> str:
    """Where a MySQL store is, for messages (never the password)."""
    return f"mysql://{connection.user}@{connection.host}:{connection.port}/{connection.database}"


class RetryingMetadataStore(metadata_store.MetadataStore):
    """ML Metadata's store that waits for a MySQL/MariaDB server that stopped answering.

    A call that finds the server gone is tried again on a fresh connection once the server answers again,
    waiting up to `retry_seconds` (MLMD's own retries cover only aborted transactions, and its client crashes
    when called again while the server is down). Past that, or at once with 0 seconds,
    MetadataUnavailableError names the database. Opening a store waits the same way, then fails as before
    (`why_not_opened` says why). A call whose commit reached the server just before it went away may be
    recorded twice; every other call is recorded once or not at all. TFX's launcher opens its store through
    `ml_metadata.MetadataStore`, so `connection_config` puts this class there for MySQL stores: TFX offers no
    other hook.
    """
    retry_seconds = 0.0

    def __init__(self, config, enable_upgrade_migration: bool = False):
        deadline = time.monotonic() + self.retry_seconds
        while True:
            try:
                super().__init__(config, enable_upgrade_migration)
                return
            except Exception:  # a store that cannot be opened says why (why_not_opened) once the wait is over
                if not config.HasField("mysql") or server_answers(config.mysql) or time.monotonic() >= deadline:
                    raise
                time.sleep(1.0)

    _gone = False  # the server went away under this store: its C++ client must not be called until it is back

    def _call(self, method_name, request, response, extra_options=None):
        reason = "it went away earlier"
        if not self._gone:
            try:
                return super()._call(method_name, request, response, extra_options)
            except Exception as err:  # the C++ client's InternalError, whatever the call
                if not self._config.HasField("mysql") or not _server_lost(err):
                    raise
                self._gone, reason = True, str(err).splitlines()[0].split(", error: ")[-1][:120]
        deadline = time.monotonic() + self.retry_seconds
        while True:
            if server_answers(self._config.mysql):
                try:
                    super().__init__(self._config)  # a fresh connection
                    self._gone = False
                    return super()._call(method_name, request, response, extra_options)
                except Exception as err:
                    if not _server_lost(err):
                        raise
                    self._gone = True
            if time.monotonic() >= deadline:
                break
            time.sleep(1.0)
        waited = f" for {self.retry_seconds:g} s" if self.retry_seconds else ""
        raise MetadataUnavailableError(
            f"lost ML Metadata at {mysql_location(self._config.mysql)}: the server stopped answering{waited} "
            f"({reason}); run again once it is back"
            + ("" if self.retry_seconds else " (metadata.retry_seconds makes a command wait)")) from None


def _retry_lost_servers(seconds: float) -> None:
    import ml_metadata
    RetryingMetadataStore.retry_seconds = seconds
    ml_metadata.MetadataStore = RetryingMetadataStore


def connection_config(workspace, config) -> mlmd.ConnectionConfig:
    """The workspace's MLMD store: MySQL/MariaDB when `metadata.mysql_host` is set, else its SQLite file."""
    connection = mlmd.ConnectionConfig()
    settings = config.metadata
    if settings.mysql_host:
        _retry_lost_servers(settings.retry_seconds)
        password = os.environ.get(settings.mysql_password_env)
        if password is None:
            raise ConfigError(f"metadata.mysql_host is set: put the MySQL password in ${settings.mysql_password_env}")
        connection.mysql.host = settings.mysql_host
        connection.mysql.port = settings.mysql_port
        connection.mysql.database = settings.mysql_database
        connection.mysql.user = settings.mysql_user
        connection.mysql.password = password
        return connection
    connection.sqlite.filename_uri = str(workspace.metadata_path)
    connection.sqlite.connection_mode = mlmd.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    return connection


def describe_store(workspace, config) -> str:
    """Where the store is, for messages (never the password)."""
    settings = config.metadata
    if settings.mysql_host:
        return mysql_location(mlmd.MySQLDatabaseConfig(host=settings.mysql_host, port=settings.mysql_port,
                                                       database=settings.mysql_database, user=settings.mysql_user))
    return str(workspace.metadata_path)


def open_store(connection: mlmd.ConnectionConfig, password_env: str = "") -> RetryingMetadataStore:
    """The store at `connection`; AdaptError with one line saying which store and what to fix when it won't open."""
    try:
        with _client_stderr_kept_back():
            return RetryingMetadataStore(connection)
    except Exception as err:  # the C++ client raises plain errors; say which store could not be opened, and why
        raise AdaptError(why_not_opened(connection, str(err), password_env)) from None


@contextlib.contextmanager
def _client_stderr_kept_back():
    """The MySQL client writes its own paragraphs to the process's stderr when a connection fails (about MySQL 8's
    authentication plugins, whatever the cause); they are dropped, and `why_not_opened` says what went wrong."""
    import tempfile
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as kept:
        os.dup2(kept.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def server_answers(connection: mlmd.MySQLDatabaseConfig) -> bool:
    """Whether anything accepts a connection at the store's host and port."""
    import socket
    try:
        socket.create_connection((connection.host, connection.port), timeout=3).close()
        return True
    except OSError:
        return False


def why_not_opened(connection: mlmd.ConnectionConfig, error: str, password_env: str = "") -> str:
    """One line: which store, and what to fix (never the password)."""
    if not connection.HasField("mysql"):
        return f"cannot open ML Metadata at {connection.sqlite.filename_uri}: {error.splitlines()[0][:200]}"
    settings = connection.mysql
    where = mysql_location(settings)
    if "Access denied" in error and "to database" in error:
        why = (f"user {settings.user!r} may not use database {settings.database!r}: it does not exist and the user "
               f"may not create it, or the user has no rights on it (create it, or grant them)")
    elif "mysql_real_connect failed" in error:
        if server_answers(settings):
            why = (f"the server refused user {settings.user!r}: check the password"
                   + (f" in ${password_env}" if password_env else "") + " and the user's rights from this host")
        else:
            why = "no MySQL/MariaDB server answers there (is it running? are host and port right?)"
    else:
        why = error.splitlines()[0][:200] if error else "unknown error"
    return f"cannot open ML Metadata at {where}: {why}"
