"""Run ``python -m app --self-test`` from source, as the bundle build does with the bundled binary."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.ui import selftest

REPO_ROOT = Path(__file__).resolve().parents[2]
SELF_TEST_TIMEOUT_SECONDS = 120

CHECK_NAMES = [
    "qt-platform",
    "app-modules",
    "native-platform-plugin",
    "image-plugins",
    "icons",
    "tray-icon",
    "translation-de",
    "qt-translation-de",
    "bundled-plugins",
    "single-instance",
    "time-zone-data",
    "event-store",
]


def run_self_test(tmp_path: Path, python_code: str | None = None) -> subprocess.CompletedProcess[str]:
    home = tmp_path / "user-data"
    home.mkdir()
    environment = {
        **os.environ,
        "USAGE_STATS_HOME": str(home),
        # The self-test must switch to the offscreen platform by itself.
        "QT_QPA_PLATFORM": "xcb",
        "DISPLAY": ":404",
    }
    command = [sys.executable, "-m", "app", "--self-test"]
    if python_code is not None:
        command = [sys.executable, "-c", python_code]
    return subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=SELF_TEST_TIMEOUT_SECONDS,
        check=False,
    )


def check_lines(stdout: str) -> dict[str, str]:
    """Map each check name to its status word ('ok' or 'FAILED') from the self-test's output."""
    statuses = {}
    for line in stdout.splitlines():
        status, _, rest = line.partition(" ")
        name = rest.strip().split(":", 1)[0]
        if status in {"ok", "FAILED"}:
            statuses[name] = status
    return statuses


def test_self_test_from_source_passes(tmp_path):
    completed = run_self_test(tmp_path)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert check_lines(completed.stdout) == dict.fromkeys(CHECK_NAMES, "ok")
    assert completed.stdout.splitlines()[-1] == f"self-test: {len(CHECK_NAMES)} passed, 0 failed"


def test_self_test_leaves_user_data_folder_untouched(tmp_path):
    run_self_test(tmp_path)

    assert list((tmp_path / "user-data").iterdir()) == []


def test_self_test_without_resources_fails(tmp_path):
    # A resources package with no files, found before the repository's own.
    empty_resources = tmp_path / "empty" / "resources"
    (empty_resources / "icons").mkdir(parents=True)
    (empty_resources / "translations").mkdir()
    (empty_resources / "__init__.py").write_text("")
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path / 'empty')!r})\n"
        f"sys.path.insert(1, {str(REPO_ROOT)!r})\n"
        "from app.__main__ import main\n"
        "sys.exit(main(['--self-test']))\n"
    )

    completed = run_self_test(tmp_path, code)

    statuses = check_lines(completed.stdout)
    assert completed.returncode == 1
    assert statuses["icons"] == "FAILED"
    assert statuses["tray-icon"] == "FAILED"
    assert statuses["translation-de"] == "FAILED"
    assert statuses["qt-platform"] == "ok"
    assert statuses["image-plugins"] == "ok"
    assert f"No .svg or .png icons were found in {empty_resources / 'icons'}." in completed.stdout


def test_find_platform_plugin_per_os_naming(tmp_path):
    platforms = tmp_path / "plugins" / "platforms"
    platforms.mkdir(parents=True)
    for file_name in ("libqxcb.so", "qwindows.dll", "libqcocoa.dylib", "libqwayland.so.debug"):
        (platforms / file_name).write_bytes(b"")
    library_paths = [str(tmp_path / "missing"), str(tmp_path / "plugins")]

    assert selftest._find_platform_plugin("xcb", library_paths) == platforms / "libqxcb.so"
    assert selftest._find_platform_plugin("windows", library_paths) == platforms / "qwindows.dll"
    assert selftest._find_platform_plugin("cocoa", library_paths) == platforms / "libqcocoa.dylib"
    assert selftest._find_platform_plugin("wayland", library_paths) is None


@pytest.mark.parametrize(
    ("relative_path", "expected"),
    [
        ("platforms/libqwayland.so", True),
        ("wayland-shell-integration/libxdg-shell.so", True),
        ("wayland-decoration-client/libbradient.so", True),
        ("platforms/libqxcb.so", False),
        ("imageformats/libqsvg.so", False),
    ],
)
def test_is_wayland_plugin_by_path(relative_path, expected):
    assert selftest._is_wayland_plugin(Path("/bundle/plugins") / relative_path) is expected
