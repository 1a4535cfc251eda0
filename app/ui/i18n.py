"""Pick and install the Qt translation that matches the system locale."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

logger = logging.getLogger("app.ui")

TRANSLATIONS_DIR = Path(str(resources.files("resources") / "translations"))
TRANSLATION_BASENAME = "usage_stats"
SUPPORTED_LANGUAGES = ("en", "de")


def install_translator(app: QCoreApplication, locale: QLocale | None = None) -> QTranslator | None:
    """Load the best translation for `locale` (default: the system locale) into `app`.

    Returns the installed translator, which the caller must keep alive. A locale without a
    translation of its own gets the English one, which contains the English plural forms
    ("1 second", "2 seconds"). The result is None only when no translation file can be loaded,
    and the source strings are then used as they are. Qt's own translation for the locale, when
    Qt ships one, is installed too and kept in the returned translator's `qt_base` attribute so
    that both can be removed together.
    """
    chosen = locale if locale is not None else QLocale.system()
    translator = QTranslator(app)

    if not translator.load(chosen, TRANSLATION_BASENAME, "_", str(TRANSLATIONS_DIR)):
        logger.debug("No translation for locale %s in %s; using English", chosen.name(), TRANSLATIONS_DIR)
        english_path = str(TRANSLATIONS_DIR / f"{TRANSLATION_BASENAME}_en.qm")
        if not translator.load(english_path):
            logger.warning(
                "The English translation %s could not be loaded, so counts read like \"%%n second(s)\"; "
                "reinstall the app, or run scripts/build_translations.py in a checkout",
                english_path,
            )
            return None
        # Qt's own strings stay English too, so that buttons match the rest of the window.
        app.installTranslator(translator)
        translator.qt_base = None
        return translator

    app.installTranslator(translator)
    logger.debug("Loaded translation %s", translator.filePath())
    translator.qt_base = _install_qt_base_translator(app, chosen)
    return translator


def display_name() -> str:
    """Return the app's name for window titles, in the language of the installed translation.

    Qt appends the application display name to each window title on X11, so an English name
    would end every German title in English.
    """
    return QCoreApplication.translate("Application", "Printernizer Usage Statistics")


def translation_language(translator: QTranslator | None) -> str:
    """Return the language of the translation `install_translator` loaded, or "en" when it loaded none.

    Texts that Qt does not translate, such as the privacy policy, use this so that they match
    the language of the menus and dialogs.
    """
    if translator is None:
        return "en"

    language = translator.language().replace("-", "_").split("_", 1)[0].lower()
    return language if language in SUPPORTED_LANGUAGES else "en"


def _install_qt_base_translator(app: QCoreApplication, locale: QLocale) -> QTranslator | None:
    """Translate Qt's own strings too: standard dialog buttons and file dialogs."""
    qt_translator = QTranslator(app)
    qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not qt_translator.load(locale, "qtbase", "_", qt_folder):
        logger.debug("Qt ships no qtbase translation for locale %s in %s", locale.name(), qt_folder)
        return None

    app.installTranslator(qt_translator)
    return qt_translator
