"""What the spec gathers from the repository: module names, resource files and compiled translations."""

from pathlib import Path

from PySide6.QtCore import QTranslator

import bundle_inputs

REPO_ROOT = Path(__file__).resolve().parents[2]

GERMAN_TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>Tray</name>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
</context>
</TS>
"""


def test_app_modules_names_packages_and_modules():
    names = bundle_inputs.app_modules(REPO_ROOT / "app")

    assert "app" in names
    assert "app.__main__" in names
    assert "app.core" in names
    assert "app.ui.selftest" in names
    assert "app.ui.__init__" not in names


def test_resource_files_skip_sources_and_python(tmp_path):
    resources = tmp_path / "resources"
    (resources / "icons").mkdir(parents=True)
    (resources / "translations").mkdir()
    (resources / "__pycache__").mkdir()
    (resources / "__init__.py").write_text("")
    (resources / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"")
    (resources / "client-defaults.json").write_text("{}")
    (resources / "icons" / "app.svg").write_text("<svg/>")
    (resources / "translations" / "usage_stats_de.ts").write_text(GERMAN_TS)
    (resources / "translations" / "usage_stats_de.qm").write_bytes(b"stale")

    pairs = bundle_inputs.resource_files(resources)

    assert pairs == [
        (str(resources / "client-defaults.json"), "resources"),
        (str(resources / "icons" / "app.svg"), "resources/icons"),
    ]


def test_resource_files_include_repository_icons():
    pairs = bundle_inputs.resource_files(REPO_ROOT / "resources")

    assert (str(REPO_ROOT / "resources" / "icons" / "app.svg"), "resources/icons") in pairs
    assert all(not source.endswith((".py", ".ts", ".qm")) for source, _ in pairs)


def test_compile_translations_writes_loadable_qm(tmp_path):
    source = tmp_path / "ts"
    source.mkdir()
    (source / "usage_stats_de.ts").write_text(GERMAN_TS, encoding="utf-8")

    pairs = bundle_inputs.compile_translations(source, tmp_path / "qm")

    translator = QTranslator()
    assert pairs == [(str(tmp_path / "qm" / "usage_stats_de.qm"), "resources/translations")]
    assert translator.load(str(tmp_path / "qm" / "usage_stats_de.qm")) is True
    assert translator.translate("Tray", "Quit") == "Beenden"


def test_lrelease_path_points_into_pyside6():
    path = bundle_inputs.lrelease_path()

    assert path.parent.name == "PySide6"
    assert path.is_file()


def test_spec_file_compiles():
    spec = REPO_ROOT / "packaging" / "pyinstaller" / "printernizer_stats.spec"

    compile(spec.read_text(encoding="utf-8"), str(spec), "exec")
