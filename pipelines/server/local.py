"""Install, start, stop and inspect the project's own local Neo4j.

Neo4j Community 5.26 LTS, Neo4j Browser and APOC are resolved from Maven Central by
``neo4j/pom.xml`` into the git-ignored home ``neo4j/home``; the server runs as one JVM started
directly on ``org.neo4j.server.CommunityEntryPoint`` (so heap and JVM flags are ours), tracked
by a PID file. When NEO4J_URI names another Neo4j, nothing here starts anything.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from string import Template

import psutil

from pipelines.errors import GraphAuthError, GraphUnavailableError, Neo4jSetupError
from pipelines.server import class_archive
from pipelines.server.graph import open_driver
from pipelines.settings import (
    PRIVATE_UMASK,
    PROJECT_ROOT,
    Neo4jSettings,
    ensure_local_password,
    load_env,
    local_bolt_port,
    local_http_port,
    make_private,
)

NEO4J_DIR = PROJECT_ROOT / "neo4j"
POM = NEO4J_DIR / "pom.xml"
CONF_TEMPLATE = NEO4J_DIR / "neo4j.conf.template"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
)
FAILURE_HINTS = (
    ("OutOfMemoryError", "the JVM ran out of memory: lower or raise NEO4J_HEAP_SIZE / "
     "NEO4J_PAGECACHE_SIZE so that both fit in free memory"),
    ("Could not reserve enough space", "the JVM could not reserve its heap: lower NEO4J_HEAP_SIZE"),
    ("Cannot allocate memory", "the machine is out of memory: lower NEO4J_HEAP_SIZE / "
     "NEO4J_PAGECACHE_SIZE or free memory"),
    ("Address already in use", "a port is already taken by another process"),
    ("UnsupportedClassVersionError", "Java is too old: Neo4j 5.26 needs Java 17 or 21"),
)


def log(message: str) -> None:
    print(f"[neo4j] {message}", flush=True)


@dataclass(frozen=True)
class LocalNeo4j:
    """The local server's home, ports and memory; everything derives from these."""

    home: Path
    bolt_port: int
    http_port: int
    heap: str
    pagecache: str

    @classmethod
    def from_env(cls) -> LocalNeo4j:
        load_env()
        return cls(
            home=Path(os.environ.get("NEO4J_HOME_DIR", NEO4J_DIR / "home")),
            bolt_port=local_bolt_port(),
            http_port=local_http_port(),
            heap=os.environ.get("NEO4J_HEAP_SIZE", "1536m"),
            pagecache=os.environ.get("NEO4J_PAGECACHE_SIZE", "1536m"),
        )

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "neo4j.pid"

    @property
    def console_log(self) -> Path:
        return self.home / "logs" / "console.log"

    @property
    def neo4j_log(self) -> Path:
        return self.home / "logs" / "neo4j.log"

    @property
    def stamp(self) -> Path:
        return self.home / "lib" / ".pom.sha256"

    def classpath(self) -> str:
        # Plugins go on the classpath too: APOC registers its extension through ServiceLoader.
        return f"{self.home / 'plugins'}/*{os.pathsep}{self.home / 'lib'}/*"


def java_executable() -> str:
    """The java binary from JAVA_HOME or PATH, checked to be Java 17 or newer."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        raise Neo4jSetupError(
            "Java is missing: Neo4j needs Java 17 or 21. Install it (e.g. `apt-get install "
            "openjdk-17-jre-headless`) or set JAVA_HOME."
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    major = _java_major(out)
    if major is not None and major < 17:
        raise Neo4jSetupError(f"{java} is Java {major}; Neo4j 5.26 needs Java 17 or 21.")
    return java


def _java_major(version_output: str) -> int | None:
    for token in version_output.split('"')[1:2]:
        head = token.split(".")[0]
        return int(head) if head.isdigit() else None
    return None


def pom_digest() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()


def install(server: LocalNeo4j) -> None:
    """Resolve the server, Browser, APOC and GDS jars from Maven Central unless already current."""
    if server.stamp.exists() and server.stamp.read_text() == pom_digest():
        return
    mvn = shutil.which("mvn")
    if not mvn:
        raise Neo4jSetupError(
            "Maven (`mvn`) is missing: it fetches Neo4j from Maven Central. Install it "
            "(`apt-get install maven`) and run the command again."
        )
    log("resolving Neo4j, Browser, APOC and GDS from Maven Central (first run: a few minutes)")
    for sub in ("lib", "plugins", class_archive.FOLDER):
        shutil.rmtree(server.home / sub, ignore_errors=True)
    result = subprocess.run(
        [mvn, "-B", "-q", "-f", str(POM), "package", f"-Dneo4j.home={server.home}"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise Neo4jSetupError(f"Maven could not resolve Neo4j (exit {result.returncode}):\n{tail}")
    server.stamp.write_text(pom_digest())


def configure(server: LocalNeo4j) -> None:
    """Write conf/neo4j.conf from the template and create the home's folders, readable by this
    user only (the store holds the whole graph, the logs its queries)."""
    make_private(server.home)
    for sub in ("conf", "data", "logs", "run", "import", "plugins"):
        (server.home / sub).mkdir(parents=True, exist_ok=True)
    text = Template(CONF_TEMPLATE.read_text()).substitute(
        bolt_port=server.bolt_port, http_port=server.http_port, pagecache=server.pagecache,
        tx_memory=os.environ.get("NEO4J_TX_MEMORY", "1g"),
    )
    conf = server.home / "conf" / "neo4j.conf"
    conf.write_text(text)
    conf.chmod(0o600)


def argument_file_line(password: str) -> str:
    """The password as one quoted argument of a picocli argument file (``@file``), which the
    admin tool reads with Java's StreamTokenizer: backslashes and quotes escaped."""
    if "\n" in password or "\r" in password:
        raise Neo4jSetupError("NEO4J_PASSWORD contains a line break, which the admin tool "
                              "cannot take; choose another password.")
    return '"' + password.replace("\\", "\\\\").replace('"', '\\"') + '"\n'


def set_initial_password(server: LocalNeo4j, java: str, password: str) -> None:
    """Before the very first start, give user neo4j our password (never Neo4j's default). The
    password goes through a private argument file, never the command line (which `ps` shows to
    every user of the machine)."""
    if (server.home / "data" / "dbms" / "auth.ini").exists() or (
        server.home / "data" / "databases"
    ).exists():
        return
    env = {**os.environ, "NEO4J_HOME": str(server.home), "NEO4J_CONF": str(server.home / "conf")}
    argument_file = server.home / "run" / f".initial-password-{os.getpid()}"
    descriptor = os.open(argument_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(argument_file_line(password))
        result = subprocess.run(
            [java, "-Dfile.encoding=UTF-8", "-cp", server.classpath(), ADMIN_TOOL, "dbms",
             "set-initial-password", f"@{argument_file}"],
            capture_output=True, text=True, env=env, cwd=server.home,
        )
    finally:
        argument_file.unlink(missing_ok=True)
    if result.returncode != 0:
        raise Neo4jSetupError(f"Could not set the initial password:\n{result.stderr[-2000:]}")


def import_database(server: LocalNeo4j, arguments: list[str]) -> str:
    """``neo4j-admin database import full ARGUMENTS`` on this home's stopped server, with the
    jars the project resolved (no password involved: the import works on the store files).
    Its heap is the server's; its off-heap memory the page cache's, so it fits where the
    server fits. Returns the importer's report; raises with its output's tail on failure."""
    env = {**os.environ, "NEO4J_HOME": str(server.home), "NEO4J_CONF": str(server.home / "conf")}
    command = [java_executable(), f"-Xmx{server.heap}", *JVM_FLAGS, "-cp", server.classpath(),
               ADMIN_TOOL, "database", "import", "full",
               f"--max-off-heap-memory={server.pagecache}", *arguments]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=server.home)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-25:])
        raise Neo4jSetupError(f"neo4j-admin database import failed (exit {result.returncode}):"
                              f"\n{tail}")
    return result.stdout


def drop_store(server: LocalNeo4j, database: str) -> None:
    """Delete one database's store and transaction logs (the server stopped): it starts empty.
    For a failed import, whose half-written store the server could not open."""
    for folder in ("databases", "transactions"):
        shutil.rmtree(server.home / "data" / folder / database, ignore_errors=True)


def running_pid(server: LocalNeo4j) -> int | None:
    """PID of our server from the PID file, or of an orphan JVM serving this home."""
    if server.pid_file.exists():
        try:
            pid = int(server.pid_file.read_text().strip())
        except ValueError:
            pid = None
        if pid and _is_our_jvm(pid, server):
            return pid
        server.pid_file.unlink(missing_ok=True)
    return _find_orphan(server)


def is_alive(pid: int) -> bool:
    """True for a live process; a zombie (exited, not yet reaped) counts as dead."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _serves_home(cmdline: list[str], server: LocalNeo4j) -> bool:
    return ENTRY_POINT in cmdline and f"--home-dir={server.home}" in cmdline


def _is_our_jvm(pid: int, server: LocalNeo4j) -> bool:
    try:
        return is_alive(pid) and _serves_home(psutil.Process(pid).cmdline(), server)
    except psutil.Error:
        return False


def _find_orphan(server: LocalNeo4j) -> int | None:
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if _serves_home(proc.info.get("cmdline") or [], server) and is_alive(proc.info["pid"]):
            return proc.info["pid"]
    return None


def _wait_until_dead(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.2)
    return not is_alive(pid)


def _wait_for_ports_released(server: LocalNeo4j, timeout: float) -> None:
    """The JVM's main thread shows as a zombie while its other threads still close the
    sockets: wait until the ports are free, so that a start right after a stop finds them so."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not (
        port_is_free(server.bolt_port) and port_is_free(server.http_port)
    ):
        time.sleep(0.1)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _port_owner(port: int) -> str:
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN:
                return f" by pid {conn.pid} ({psutil.Process(conn.pid).name()})" if conn.pid else ""
    except (psutil.Error, OSError):
        pass
    return ""


def check_ports(server: LocalNeo4j) -> None:
    for name, port, variable in (
        ("Bolt", server.bolt_port, "NEO4J_BOLT_PORT"),
        ("HTTP", server.http_port, "NEO4J_HTTP_PORT"),
    ):
        if not port_is_free(port):
            raise Neo4jSetupError(
                f"Cannot start Neo4j: {name} port {port} is already taken{_port_owner(port)}. "
                f"Stop that process, or choose another port with {variable}; if it is a Neo4j "
                "you run yourself, set NEO4J_URI to it and nothing will be started."
            )


def log_tail(server: LocalNeo4j, lines: int = 30) -> str:
    chunks = []
    for path in (server.neo4j_log, server.console_log):
        if path.exists():
            text = path.read_text(errors="replace").splitlines()[-lines:]
            chunks.append(f"--- {path} (last {len(text)} lines) ---\n" + "\n".join(text))
    return "\n".join(chunks) or "(no log written)"


def diagnose(server: LocalNeo4j) -> str:
    text = ""
    for path in (server.neo4j_log, server.console_log):
        if path.exists():
            text += path.read_text(errors="replace")[-200_000:]
    for needle, reason in FAILURE_HINTS:
        if needle in text:
            return reason
    return "see the log tail below"


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def default_stop_signals() -> None:
    """Run in the child before the JVM: give the stop signals their default action. An ignored
    signal stays ignored across exec, and the JVM then installs no shutdown handler for it. A
    server launched from a process that ignores SIGTERM (Dagster maps SIGTERM to SIGINT's
    handler, and a shell's background job ignores SIGINT) would shrug off `stop` and be killed
    after the timeout, without a clean shutdown."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_DFL)


def launch(server: LocalNeo4j, java: str) -> int:
    """Start the JVM in its own session, detached from this process, and record its PID."""
    jvm = [f"-Xms{server.heap}", f"-Xmx{server.heap}", *JVM_FLAGS, "-cp", server.classpath()]
    archive = class_archive.archive_path(server.home, java, [*jvm, pom_digest()])
    command = [
        java, *jvm, *class_archive.jvm_flags(archive, java), ENTRY_POINT,
        f"--home-dir={server.home}", f"--config-dir={server.home / 'conf'}",
    ]
    with server.console_log.open("ab") as console:
        process = subprocess.Popen(
            command, cwd=server.home, stdout=console, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, umask=PRIVATE_UMASK,
            preexec_fn=default_stop_signals,
        )
    server.pid_file.write_text(str(process.pid))
    return process.pid


def wait_for_bolt(server: LocalNeo4j, pid: int, settings: Neo4jSettings, timeout: float) -> None:
    """Poll until Bolt accepts our credentials, failing fast when the JVM dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(pid):
            server.pid_file.unlink(missing_ok=True)
            raise Neo4jSetupError(
                f"Neo4j exited during start-up: {diagnose(server)}.\n{log_tail(server)}"
            )
        try:
            open_driver(settings).close()
            return
        except GraphUnavailableError:
            time.sleep(0.5)
    stop(server)
    raise Neo4jSetupError(
        f"Neo4j did not answer on Bolt within {timeout:.0f}s: {diagnose(server)}.\n"
        f"{log_tail(server)}"
    )


def start(server: LocalNeo4j | None = None) -> bool:
    """Start the local server unless it (or a user-chosen Neo4j) is up. True if we started it."""
    server = server or LocalNeo4j.from_env()
    settings = Neo4jSettings.from_env()
    if not settings.is_local():
        log(f"NEO4J_URI points at {settings.uri}; using it, starting nothing.")
        return False
    pid = running_pid(server)
    if pid:
        log(f"already running (pid {pid}) at bolt://127.0.0.1:{server.bolt_port}")
        return False
    java = java_executable()
    install(server)
    configure(server)
    password = ensure_local_password()
    settings = Neo4jSettings.from_env()
    check_ports(server)
    set_initial_password(server, java, password)
    pid = launch(server, java)
    log(f"starting (pid {pid}, heap {server.heap}, page cache {server.pagecache}) ...")
    started = time.monotonic()
    try:
        wait_for_bolt(server, pid, settings, float(os.environ.get("NEO4J_START_TIMEOUT", "180")))
    except GraphAuthError as exc:
        stop(server)
        raise Neo4jSetupError(
            f"{exc} The local database in {server.home / 'data'} was initialised with another "
            "password; set NEO4J_PASSWORD to it, or wipe the local data with "
            "`attrib neo4j reset`."
        ) from exc
    log(
        f"up after {time.monotonic() - started:.0f}s: bolt://127.0.0.1:{server.bolt_port}, "
        f"Browser http://127.0.0.1:{server.http_port}/browser/"
    )
    return True


def stop(server: LocalNeo4j | None = None, timeout: float = 60.0) -> bool:
    """Stop our JVM (SIGTERM, then SIGKILL after ``timeout``). True if something was stopped."""
    server = server or LocalNeo4j.from_env()
    pid = running_pid(server)
    if not pid:
        log("not running")
        return False
    log(f"stopping pid {pid} ...")
    os.kill(pid, signal.SIGTERM)
    clean = _wait_until_dead(pid, timeout)
    if not clean:
        log(f"no clean shutdown after {timeout:.0f}s; killing")
        os.kill(pid, signal.SIGKILL)
        _wait_until_dead(pid, 10)
    server.pid_file.unlink(missing_ok=True)
    _wait_for_ports_released(server, 10)
    class_archive.settle(server.home, clean)
    log("stopped")
    return True


def status(server: LocalNeo4j | None = None) -> bool:
    """Print whether the configured Neo4j answers; True when it does."""
    server = server or LocalNeo4j.from_env()
    settings = Neo4jSettings.from_env()
    pid = running_pid(server) if settings.is_local() else None
    try:
        open_driver(settings).close()
    except (GraphUnavailableError, GraphAuthError) as exc:
        where = f"local server pid {pid} is not answering" if pid else "not running"
        log(f"{where}: {exc}")
        return False
    owner = f"local server, pid {pid}" if pid else "not started by this project"
    log(f"running at {settings.uri} ({owner}); Browser http://127.0.0.1:{server.http_port}/browser/")
    return True


def reset(server: LocalNeo4j | None = None) -> None:
    """Stop the local server and delete its data (the password can then be set anew)."""
    server = server or LocalNeo4j.from_env()
    stop(server)
    shutil.rmtree(server.home / "data", ignore_errors=True)
    log(f"deleted {server.home / 'data'}")


def run_with_server(command: list[str]) -> int:
    """Run ``command`` with Neo4j up; stop the server afterwards only if we started it."""
    started = start()
    try:
        return subprocess.call(command)
    finally:
        if started:
            stop()


if __name__ == "__main__":  # pragma: no cover - convenience for `python -m`
    sys.exit(run_with_server(sys.argv[1:]))
