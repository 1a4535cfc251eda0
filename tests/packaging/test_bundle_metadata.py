"""Version, Info.plist and Windows version information of the bundle."""

import plistlib
from pathlib import Path

import pytest

import app
import bundle_metadata

APP_INIT = Path(__file__).resolve().parents[2] / "app" / "__init__.py"

VERSION_INFO_CLASSES = (
    "VSVersionInfo",
    "FixedFileInfo",
    "StringFileInfo",
    "StringTable",
    "StringStruct",
    "VarFileInfo",
    "VarStruct",
)


def evaluate_version_info(text: str):
    """Evaluate a version-info file as PyInstaller does, with each class recording its arguments."""

    def recorder(class_name):
        return lambda *args, **kwargs: (class_name, args, kwargs)

    namespace = {name: recorder(name) for name in VERSION_INFO_CLASSES}
    return eval(text, {"__builtins__": {}}, namespace)  # noqa: S307 - the text is built by the code under test


def test_read_version_matches_package():
    assert bundle_metadata.read_version(APP_INIT) == app.__version__


def test_read_version_without_assignment_names_file(tmp_path):
    package_init = tmp_path / "__init__.py"
    package_init.write_text('"""No version here."""\n')

    with pytest.raises(bundle_metadata.MetadataError, match="No string __version__ assignment was found"):
        bundle_metadata.read_version(package_init)


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2.3", (1, 2, 3, 0)),
        ("2.0.0rc1", (2, 0, 0, 0)),
        ("2.0.0.dev4", (2, 0, 0, 0)),
        ("65535.0.1", (65535, 0, 1, 0)),
    ],
)
def test_version_tuple_accepts_release_versions(version, expected):
    assert bundle_metadata.version_tuple(version) == expected


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.2", "is not MAJOR.MINOR.PATCH"),
        ("v1.2.3", "is not MAJOR.MINOR.PATCH"),
        ("65536.0.0", "has a part above 65535"),
    ],
)
def test_version_tuple_rejects_other_versions(version, message):
    with pytest.raises(bundle_metadata.MetadataError, match=message):
        bundle_metadata.version_tuple(version)


def test_info_plist_hides_dock_icon():
    keys = bundle_metadata.info_plist("1.2.3")

    assert keys["LSUIElement"] is True
    assert keys["LSBackgroundOnly"] is False
    assert keys["CFBundleLocalizations"] == ["en", "de"]
    assert keys["CFBundleIdentifier"] == "org.printernizer.usage-statistics"
    assert keys["CFBundleShortVersionString"] == "1.2.3"
    assert keys["CFBundleVersion"] == "1.2.3"
    assert keys["NSHighResolutionCapable"] is True


def test_info_plist_serialises_as_xml_plist():
    data = plistlib.dumps(bundle_metadata.info_plist("1.2.3"))

    assert plistlib.loads(data) == bundle_metadata.info_plist("1.2.3")


def test_windows_version_info_holds_version_numbers():
    class_name, _, fields = evaluate_version_info(
        bundle_metadata.windows_version_info_text("1.2.3", "PrinternizerStats.exe")
    )

    fixed_info = fields["ffi"][2]
    assert class_name == "VSVersionInfo"
    assert fixed_info["filevers"] == (1, 2, 3, 0)
    assert fixed_info["prodvers"] == (1, 2, 3, 0)


def test_windows_version_info_holds_names():
    _, _, fields = evaluate_version_info(bundle_metadata.windows_version_info_text("1.2.3", "PrinternizerStats.exe"))

    string_file_info = fields["kids"][0]
    string_table = string_file_info[1][0][0]
    strings = {struct[1][0]: struct[1][1] for struct in string_table[1][1]}
    assert string_table[1][0] == "040904B0"
    assert strings["ProductName"] == "Printernizer Usage Statistics"
    assert strings["FileVersion"] == "1.2.3"
    assert strings["ProductVersion"] == "1.2.3"
    assert strings["OriginalFilename"] == "PrinternizerStats.exe"


def test_windows_version_info_loads_in_pyinstaller(tmp_path):
    versioninfo = pytest.importorskip("PyInstaller.utils.win32.versioninfo", exc_type=ImportError)
    version_file = tmp_path / "version_info.txt"
    version_file.write_text(bundle_metadata.windows_version_info_text("1.2.3", "PrinternizerStats.exe"))

    info = versioninfo.load_version_info_from_text_file(str(version_file))

    assert (info.ffi.fileVersionMS, info.ffi.fileVersionLS) == ((1 << 16) | 2, 3 << 16)
