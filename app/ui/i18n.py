"""Pick and install the Qt translation that matches the system locale."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

logger = logging.getLogger("app.ui")

TRANSLATIONS_DIR = Path(str(resources.files("resources") / "translations"))
TRANSLATION_BASENAME = "usage_stats"
SUPPORTED_LANGUAGES = ("en", "de")


def install_translator(app: QCoreApplication, locale: QLocale | None = None) -> QTranslator | None:
    """Load the best translation for `locale` (default: the system locale) into `app`.

    Returns the installed translator, which the caller must keep alive, or None when the
    locale has no translation and the English source strings are used as they are.
    """
    chosen = locale if locale is not None else QLocale.system()
    translator = QTranslator(app)

    if not translator.load(chosen, TRANSLATION_BASENAME, "_", str(TRANSLATIONS_DIR)):
        logger.debug("No translation for locale %s in %s; using English", chosen.name(), TRANSLATIONS_DIR)
        return None

    app.installTranslator(translator)
    logger.debug("Loaded translation %s", translator.filePath())
    return translator
