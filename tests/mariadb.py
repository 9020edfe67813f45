"""A private MariaDB server for tests: its own data folder, port and socket, stopped afterwards.

Debian's mariadb-server package provides the binaries (`make mariadb` installs it; `make test` does so
when it is missing). The server starts without touching any system-wide instance, creates one
database and one user (for 'localhost' as well as '%': MariaDB's anonymous localhost user would
otherwise shadow it), and is stopped, its folder removed, when the `with` block ends.
"""
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MariaDB:
    database = "adapt_metadata"
    user = "adapt"
    password = "adapt-test-password-7d1f"

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="adapt-mariadb-"))
        self.port = _free_port()
        self.socket = self.root / "mysqld.sock"
        self.process = None

    def __enter__(self) -> "MariaDB":
        missing = [tool for tool in ("mariadbd", "mariadb-install-db", "mariadb") if shutil.which(tool) is None
                   and not Path(f"/usr/sbin/{tool}").exists()]
        if missing:
            raise RuntimeError(f"{', '.join(missing)} not found: run `make mariadb` (Debian's mariadb-server)")
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={self.root / 'data'}", "--user=root",
                        "--auth-root-authentication-method=socket"], check=True, capture_output=True)
        self.start()
        self._sql(f"CREATE DATABASE {self.database}; "
                  + " ".join(f"CREATE USER '{self.user}'@'{host}' IDENTIFIED BY '{self.password}'; "
                             f"GRANT ALL ON {self.database}.* TO '{self.user}'@'{host}';"
                             for host in ("localhost", "%")))
        return self

    def start(self) -> None:
        """Starts the server on its data folder and port (again, after `stop`), once it answers."""
        server = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
        self.process = subprocess.Popen(
            [server, "--no-defaults", f"--datadir={self.root / 'data'}", f"--port={self.port}",
             f"--socket={self.socket}", "--bind-address=127.0.0.1", "--user=root", "--skip-name-resolve",
             f"--log-error={self.root / 'error.log'}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while not self._sql("SELECT 1", check=False):
            if self.process.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"MariaDB did not start: {(self.root / 'error.log').read_text()[-2000:]}")
            time.sleep(0.2)

    def stop_command(self, marker: Path) -> str:
        """A shell command that stops this server and waits until it is gone, the first time it runs (it leaves
        `marker`): what a process runs at a fault point (core/faults.py: ADAPT_RUN_AT) to lose its database."""
        status = f"/proc/{self.process.pid}/status"
        gone = f"{{ ! test -e {status} || grep -qs '^State:[[:space:]]*Z' {status}; }}"  # reaped, or exited (Z)
        return f"test -e {marker} || {{ touch {marker}; kill {self.process.pid}; until {gone}; do sleep 0.1; done; }}"

    def stopped(self) -> bool:
        return self.process.poll() is not None

    def _sql(self, statements: str, check: bool = True) -> bool:
        result = subprocess.run(["mariadb", f"--socket={self.socket}", "-u", "root", "-e", statements],
                                capture_output=True, text=True)
        if check and result.returncode != 0:
            raise RuntimeError(f"MariaDB: {result.stderr.strip()}")
        return result.returncode == 0

    def settings(self) -> dict:
        """The adapt.yaml `metadata` section that points at this server."""
        return {"mysql_host": "127.0.0.1", "mysql_port": self.port, "mysql_database": self.database,
                "mysql_user": self.user, "mysql_password_env": "ADAPT_MLMD_PASSWORD"}

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)
