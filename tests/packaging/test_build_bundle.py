"""The build script's archive, size and path helpers, on small folders made in tmp_path."""

import os
import sys
import tarfile
import zipfile

import pytest

import build_bundle


# Creating symbolic links on Windows needs a privilege that test runs may lack, and Windows
# bundles contain none.
needs_symlinks = pytest.mark.skipif(sys.platform.startswith("win"), reason="Windows bundles have no symbolic links")


@pytest.fixture
def bundle_folder(tmp_path):
    folder = tmp_path / "dist" / "printernizer-stats"
    (folder / "_internal" / "resources").mkdir(parents=True)
    (folder / "printernizer-stats").write_bytes(b"x" * 1000)
    (folder / "_internal" / "libQt6Core.so.6").write_bytes(b"y" * 300)
    (folder / "_internal" / "resources" / "policy.json").write_bytes(b"{}")
    return folder


def test_archive_name_on_linux(monkeypatch):
    monkeypatch.setattr(build_bundle.sys, "platform", "linux")
    monkeypatch.setattr(build_bundle.platform, "machine", lambda: "x86_64")

    assert build_bundle.archive_name("1.2.3") == "printernizer-stats-1.2.3-linux-x86_64.tar.xz"


def test_archive_name_uses_zip_on_windows(monkeypatch):
    monkeypatch.setattr(build_bundle.sys, "platform", "win32")
    monkeypatch.setattr(build_bundle.platform, "machine", lambda: "AMD64")

    assert build_bundle.archive_name("1.2.3") == "printernizer-stats-1.2.3-windows-x86_64.zip"


@needs_symlinks
def test_tar_xz_archive_keeps_symlinks(bundle_folder, tmp_path):
    os.symlink("_internal/libQt6Core.so.6", bundle_folder / "libQt6Core.so.6")
    archive = tmp_path / "bundle.tar.xz"

    build_bundle.write_archive(bundle_folder, archive)

    with tarfile.open(archive) as tar:
        members = {member.name: member for member in tar.getmembers()}
    assert sorted(members) == [
        "printernizer-stats",
        "printernizer-stats/_internal",
        "printernizer-stats/_internal/libQt6Core.so.6",
        "printernizer-stats/_internal/resources",
        "printernizer-stats/_internal/resources/policy.json",
        "printernizer-stats/libQt6Core.so.6",
        "printernizer-stats/printernizer-stats",
    ]
    assert members["printernizer-stats/libQt6Core.so.6"].issym() is True
    assert members["printernizer-stats/printernizer-stats"].size == 1000


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS packs with ditto")
def test_zip_archive_nests_files_in_folder(bundle_folder, tmp_path):
    archive = tmp_path / "bundle.zip"

    build_bundle.write_archive(bundle_folder, archive)

    with zipfile.ZipFile(archive) as zip_file:
        names = sorted(zip_file.namelist())
    assert names == [
        "printernizer-stats/_internal/",
        "printernizer-stats/_internal/libQt6Core.so.6",
        "printernizer-stats/_internal/resources/",
        "printernizer-stats/_internal/resources/policy.json",
        "printernizer-stats/printernizer-stats",
    ]


def test_write_archive_replaces_old_archive(bundle_folder, tmp_path):
    archive = tmp_path / "bundle.tar.xz"
    archive.write_bytes(b"old")

    build_bundle.write_archive(bundle_folder, archive)

    with tarfile.open(archive) as tar:
        assert "printernizer-stats/printernizer-stats" in tar.getnames()


@needs_symlinks
def test_folder_size_counts_symlink_not_target(bundle_folder):
    os.symlink("_internal/libQt6Core.so.6", bundle_folder / "libQt6Core.so.6")
    link_size = (bundle_folder / "libQt6Core.so.6").lstat().st_size

    assert build_bundle.folder_size_bytes(bundle_folder) == 1000 + 300 + 2 + link_size


def test_console_executable_on_linux(monkeypatch, tmp_path):
    monkeypatch.setattr(build_bundle.sys, "platform", "linux")

    assert build_bundle.console_executable(tmp_path) == tmp_path / "printernizer-stats" / "printernizer-stats"


def test_console_executable_inside_macos_app(monkeypatch, tmp_path):
    monkeypatch.setattr(build_bundle.sys, "platform", "darwin")

    expected = tmp_path / "Printernizer Usage Statistics.app" / "Contents" / "MacOS" / "printernizer-stats"
    assert build_bundle.console_executable(tmp_path) == expected


def test_archive_only_without_bundle_fails(tmp_path, capsys):
    status = build_bundle.main(["--archive-only", "--dist", str(tmp_path)])

    assert status == 1
    assert "No bundle was found at" in capsys.readouterr().err


def test_mebibytes_formats_both_units():
    assert build_bundle.mebibytes(115_998_073) == "110.6 MiB (115,998,073 bytes)"
