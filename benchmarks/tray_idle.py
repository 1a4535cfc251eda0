"""Measure how fast the tray icon comes up and what the idle tray app costs in memory and CPU.

    python benchmarks/tray_idle.py [--runs 5] [--idle-seconds 10]

Starts its own Xvfb and trayer (the tray host) on a free display, then launches
`python -m app` against a temporary data folder that has already opted in, once per run.
The time to the tray icon runs from the launch of the process until the app logs that
its tray icon is shown, so it includes the interpreter start and every import. The time
to a usable menu runs until the app logs that the menu, window and scheduler are set
up, because the icon is shown before the store is opened. The app then gets 5 s to finish starting and idles for --idle-seconds; the script reads its
resident memory (VmRSS) and the CPU time it used while idle from /proc. Linux only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.screenshots import free_display, start_process, stop_process  # noqa: E402

ICON_MARKER = "Tray icon shown"
READY_MARKER = "Tray app ready"
START_TIMEOUT_SECONDS = 30
SETTLE_SECONDS = 5
CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def prepare_home(home: Path, environ: dict[str, str]) -> None:
    from app.core import UsageStats, privacy_policy

    with UsageStats.open(home=home, environ=environ, deployment_mode="desktop") as stats:
        stats.opt_in(privacy_policy().version)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    user_ticks, system_ticks = int(fields[11]), int(fields[12])
    return (user_ticks + system_ticks) / CLOCK_TICKS_PER_SECOND


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    msg = f"/proc/{pid}/status has no VmRSS line"
    raise RuntimeError(msg)


def wait_for_line(app: subprocess.Popen[str], marker: str, launched: float) -> float:
    """Read the app's log until a line contains `marker`; return the seconds since launch."""
    assert app.stderr is not None
    while time.monotonic() - launched < START_TIMEOUT_SECONDS:
        line = app.stderr.readline()
        if not line and app.poll() is not None:
            msg = f"The tray app exited with {app.returncode} before logging {marker!r}."
            raise RuntimeError(msg)
        if marker in line:
            return time.monotonic() - launched
    msg = f"The tray app did not log {marker!r} within {START_TIMEOUT_SECONDS} s."
    raise RuntimeError(msg)


def measure_once(environ: dict[str, str], idle_seconds: float) -> tuple[float, float, float, float]:
    """Return seconds to the icon and to a usable menu, resident MiB after idling, and idle CPU seconds."""
    launched = time.monotonic()
    app = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=environ,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        icon_seconds = wait_for_line(app, ICON_MARKER, launched)
        ready_seconds = wait_for_line(app, READY_MARKER, launched)

        time.sleep(SETTLE_SECONDS)
        cpu_before = cpu_seconds(app.pid)
        time.sleep(idle_seconds)
        return icon_seconds, ready_seconds, resident_mib(app.pid), cpu_seconds(app.pid) - cpu_before
    finally:
        stop_process(app)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="number of launches (default: 5)")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="idle time before reading memory (default: 10)")
    args = parser.parse_args(argv)

    display = f":{free_display()}"
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("USAGE_STATS_", "DO_NOT_TRACK"))}
    environ.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", USAGE_STATS_LOG_LEVEL="INFO")
    xvfb = trayer = None
    results = []
    with tempfile.TemporaryDirectory(prefix="usage-stats-bench-") as folder:
        try:
            xvfb = start_process(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"], environ)
            time.sleep(1)
            trayer = start_process(["trayer", "--edge", "top", "--align", "right", "--widthtype", "request"], environ)
            time.sleep(1.5)

            environ["USAGE_STATS_HOME"] = folder
            prepare_home(Path(folder), environ)
            for run in range(1, args.runs + 1):
                icon, ready, memory, cpu = measure_once(environ, args.idle_seconds)
                results.append((icon, ready, memory, cpu))
                print(f"run {run}: tray icon after {icon * 1000:.0f} ms, menu ready after {ready * 1000:.0f} ms, "
                      f"RSS {memory:.1f} MiB, CPU while idle {cpu * 1000:.0f} ms over {args.idle_seconds:.0f} s")
        finally:
            stop_process(trayer)
            stop_process(xvfb)

    icons, readies, memories, cpus = zip(*results)
    print(f"tray icon: median {statistics.median(icons) * 1000:.0f} ms, max {max(icons) * 1000:.0f} ms")
    print(f"menu ready: median {statistics.median(readies) * 1000:.0f} ms, max {max(readies) * 1000:.0f} ms")
    print(f"resident memory: median {statistics.median(memories):.1f} MiB, max {max(memories):.1f} MiB")
    print(f"idle CPU: max {max(cpus) * 1000:.0f} ms over {args.idle_seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
