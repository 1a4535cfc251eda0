"""Take the documentation screenshots of the tray app under Xvfb with trayer as the tray host.

    python scripts/screenshots.py [--output docs/screenshots]

Needs /usr/bin/Xvfb, /usr/bin/trayer and ImageMagick's `import` (Debian: xvfb, trayer,
imagemagick). The script starts its own X server and tray on a free display number and
fills a temporary data folder with three weeks of sample events and two sent reports. It
shows each window, dialog and the tray menu in English, and the overview and the consent
dialog in German, saves PNGs, and stops the processes it started. Nothing is sent over the network: the sample
reports are answered by an in-process httpx MockTransport.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCREEN_SIZE = "1280x800x24"
SAMPLE_DAYS = 20
SAMPLE_SEED = 7
SETTLE_MS = 400
TRAYER_START_SECONDS = 1.5
PRINTER_TYPES = ("prusa_mk4", "bambu_x1c", "bambu_p1s")


def free_display() -> int:
    """Return the first display number from :90 whose X lock file does not exist."""
    for number in range(90, 140):
        if not Path(f"/tmp/.X{number}-lock").exists():
            return number
    msg = "No free X display between :90 and :139; remove stale /tmp/.X*-lock files of stopped servers."
    raise SystemExit(msg)


def start_process(command: list[str], environ: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_process(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def fill_sample_data(home: Path, environ: dict[str, str]) -> None:
    """Record three weeks of events with a clock in the past and send two weekly reports."""
    import httpx

    from app.core import UsageStats, privacy_policy

    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=SAMPLE_DAYS)
    now = [started]
    answers = iter(range(1041, 1100))

    def collector(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"submission_id": str(next(answers)), "status": "stored"})

    stats = UsageStats.open(home=home, environ=environ, clock=lambda: now[0],
                            transport=httpx.MockTransport(collector), deployment_mode="desktop")
    stats.opt_in(privacy_policy().version)
    generator = random.Random(SAMPLE_SEED)

    import asyncio

    for day in range(SAMPLE_DAYS):
        now[0] = started + dt.timedelta(days=day, hours=9)
        stats.start_session()
        stats.record("app_start", app_version="0.1.0")
        for _ in range(generator.randint(1, 6)):
            printer = generator.choice(PRINTER_TYPES)
            stats.record("job_created", printer_type=printer)
            outcome = "job_completed" if generator.random() > 0.15 else "job_failed"
            stats.record(outcome, printer_type=printer, duration_minutes=generator.randint(20, 400))
        if day % 5 == 0:
            stats.record("error_occurred", error_type="TimeoutError")
        now[0] += dt.timedelta(hours=8)
        stats.heartbeat()
        stats.end_session()
        asyncio.run(stats.submit_due())

    stats.close()


def capture(path: Path, geometry: tuple[int, int, int, int] | None, environ: dict[str, str]) -> None:
    """Save the root window, or the `geometry` (x, y, width, height) part of it, as a PNG."""
    command = ["import", "-window", "root"]
    if geometry is not None:
        x, y, width, height = geometry
        command += ["-crop", f"{width}x{height}+{x}+{y}", "+repage"]
    subprocess.run([*command, str(path)], env=environ, check=True, timeout=30)
    print(path)


def widget_geometry(widget) -> tuple[int, int, int, int]:
    frame = widget.frameGeometry()
    return frame.x(), frame.y(), frame.width(), frame.height()


def render_panel_preview(path: Path) -> None:
    """Draw both tray icons at common tray sizes on a light and on a dark panel colour."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QColor, QImage, QPainter

    from app.ui.icons import tray_icon

    sizes_px = (16, 22, 24, 32)
    image = QImage(40 * len(sizes_px) * 2 + 16, 2 * 48, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    for row, panel in enumerate(("#f2f2f2", "#202124")):
        painter.fillRect(0, row * 48, image.width(), 48, QColor(panel))
        x = 8
        for sharing_active in (True, False):
            for size in sizes_px:
                pixmap = tray_icon(sharing_active).pixmap(size, size)
                painter.drawPixmap(QRect(x, row * 48 + (48 - size) // 2, size, size), pixmap)
                x += 40
    painter.end()
    image.save(str(path))
    print(path)


def take_screenshots(output: Path, environ: dict[str, str], home: Path) -> None:
    """Show each window and dialog in turn in this process and capture it."""
    from PySide6.QtCore import QLocale, QPoint
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.core import UsageStats, privacy_policy
    from app.ui.application import TrayApplication
    from app.ui.consent import ConsentDialog, report_example
    from app.ui.delete_dialog import DeleteChoice, DeleteDialog
    from app.ui.i18n import install_translator
    from app.ui.main import create_qapplication

    app = create_qapplication([])
    stats = UsageStats.open(home=home, environ=environ, deployment_mode="desktop")
    policy = privacy_policy()
    tray_app = TrayApplication(stats, policy)

    def show_and_capture(widget, name: str) -> None:
        widget.show()
        widget.raise_()
        QTest.qWait(SETTLE_MS)
        capture(output / name, widget_geometry(widget), environ)

    render_panel_preview(output / "tray-icon-panels.png")
    tray_app.start(ask_consent=False)
    QTest.qWait(SETTLE_MS * 3)
    if tray_app.tray is not None:
        icon_area = tray_app.tray.icon.geometry()
        tray_app.tray.menu.popup(QPoint(icon_area.right() - 260, icon_area.bottom() + 4))
        QTest.qWait(SETTLE_MS)
        menu = tray_app.tray.menu.frameGeometry()
        left = min(menu.x(), icon_area.x()) - 8
        capture(output / "tray-menu.png", (left, 0, 1280 - left, menu.bottom() + 8), environ)
        tray_app.tray.menu.hide()

    window = tray_app.window
    window.move(40, 60)
    window.bring_forward()
    for index, name in enumerate(("window-overview", "window-events", "window-next-report", "window-history")):
        window.tabs.setCurrentIndex(index)
        show_and_capture(window, f"{name}.png")

    # The consent dialog is shown before anyone agreed, so it gets a store without consent.
    fresh_stats = UsageStats.open(home=home / "first-run", environ=environ, deployment_mode="desktop")
    example, is_real = report_example(fresh_stats)
    fresh_stats.close()
    consent = ConsentDialog(policy, example, is_real)
    consent.move(80, 40)
    show_and_capture(consent, "consent.png")
    consent.close()
    reconsent = ConsentDialog(policy, example, is_real, previous_version="1")
    reconsent.move(80, 40)
    show_and_capture(reconsent, "reconsent.png")
    reconsent.close()

    delete = DeleteDialog(server_deletion_possible=True)
    delete.select(DeleteChoice.BOTH)
    delete.move(120, 120)
    show_and_capture(delete, "delete-dialog.png")
    delete.close()

    with sqlite3.connect(stats.path) as connection:
        first_sent = connection.execute("SELECT report_id FROM sent_reports ORDER BY id LIMIT 1").fetchone()
        connection.execute("UPDATE sent_reports SET response_body = '{}' WHERE report_id = ?", first_sent)
    window.tabs.setCurrentIndex(3)
    window.refresh()
    show_and_capture(window, "window-history-tampered.png")

    german = QLocale(QLocale.Language.German, QLocale.Country.Germany)
    QLocale.setDefault(german)
    install_translator(app, german)
    german_policy = privacy_policy("de")
    german_app = TrayApplication(stats, german_policy, tray_available=False)
    german_app.window.move(40, 60)
    german_app.window.bring_forward()
    show_and_capture(german_app.window, "window-overview-de.png")
    german_consent = ConsentDialog(german_policy, example, is_real)
    german_consent.move(80, 40)
    show_and_capture(german_consent, "consent-de.png")
    german_consent.close()
    german_app.window.hide()

    tray_app.shutdown()
    app.processEvents()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "screenshots",
                        help="folder for the PNG files (default: docs/screenshots)")
    args = parser.parse_args(argv)

    for tool in ("Xvfb", "trayer", "import"):
        if shutil.which(tool) is None:
            msg = f"{tool} not found on PATH. Install it (Debian: apt-get install xvfb trayer imagemagick) and retry."
            raise SystemExit(msg)

    display = f":{free_display()}"
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("USAGE_STATS_", "DO_NOT_TRACK"))}
    environ.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", LANG="en_US.UTF-8", LANGUAGE="en",
                   USAGE_STATS_ENDPOINT="http://127.0.0.1:8787", USAGE_STATS_API_KEY="sample-client-key",
                   USAGE_STATS_TIMEZONE="Europe/Berlin")
    args.output.mkdir(parents=True, exist_ok=True)
    trayer_command = ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "28",
                      "--transparent", "true", "--alpha", "0", "--tint", "0x2b2e33", "--SetDockType", "true"]

    xvfb = trayer = None
    with tempfile.TemporaryDirectory(prefix="usage-stats-screens-") as folder:
        try:
            xvfb = start_process(["Xvfb", display, "-screen", "0", SCREEN_SIZE, "-nolisten", "tcp", "-br"], environ)
            time.sleep(1)
            trayer = start_process(trayer_command, environ)
            time.sleep(TRAYER_START_SECONDS)

            os.environ.update(environ)
            home = Path(folder) / "sample"
            fill_sample_data(home, environ)
            take_screenshots(args.output, environ, home)
        finally:
            stop_process(trayer)
            stop_process(xvfb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
