"""Download, checksum and archive helpers for ``ember.vision.datasets``.

Downloads are atomic: bytes go to a hidden temporary file in the destination directory,
the md5 is checked, and only then is the file renamed into place (``os.replace``).  On any
failure (network error, HTTP error, checksum mismatch) the temporary file is removed, so no
partial or corrupt file is ever left where a loader would find it.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable, Sequence

from ...utils._progress import progress

__all__ = ["calculate_md5", "check_md5", "check_integrity", "download_url",
           "download_from_mirrors", "extract_archive", "download_and_extract_archive",
           "verify_str_arg"]

USER_AGENT = "ember-vision"
_CHUNK = 1024 * 1024


def calculate_md5(fpath: str, chunk_size: int = _CHUNK) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: str, md5: str, **kwargs) -> bool:
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath: str, md5: str | None = None) -> bool:
    """``True`` when ``fpath`` is a file and (if ``md5`` is given) its md5 matches."""
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


def _fetch_to(url: str, dest: str, md5: str | None, timeout: float) -> None:
    """Download ``url`` to ``dest`` atomically, verifying ``md5``; raises on any failure."""
    root = os.path.dirname(os.path.abspath(dest))
    os.makedirs(root, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(dest) + ".", suffix=".part",
                               dir=root)
    try:
        hasher = hashlib.md5(usedforsecurity=False)
        req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(req, timeout=timeout) as resp:
            size = resp.headers.get("Content-Length")
            with progress(total=int(size) if size else None, desc=os.path.basename(dest),
                          unit="B", unit_scale=True) as bar:
                while chunk := resp.read(_CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
                    bar.update(len(chunk))
        if md5 is not None and hasher.hexdigest() != md5:
            raise RuntimeError(f"checksum mismatch for {url}: expected md5 {md5}, "
                               f"got {hasher.hexdigest()}")
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def download_url(url: str, root: str, filename: str | None = None, md5: str | None = None,
                 timeout: float = 60.0) -> str:
    """Download ``url`` into ``root/filename`` unless a file with a matching md5 is already
    there.  Returns the path."""
    root = os.path.expanduser(os.fspath(root))
    filename = filename or os.path.basename(url)
    fpath = os.path.join(root, filename)
    if check_integrity(fpath, md5):
        return fpath
    _fetch_to(url, fpath, md5, timeout)
    return fpath


def download_from_mirrors(mirrors: Sequence[str], filename: str, root: str,
                          md5: str | None = None, timeout: float = 60.0) -> str:
    """Try ``mirror + filename`` for each mirror in turn; the first one that downloads and
    passes the md5 check wins.  Raises ``RuntimeError`` naming every failure and where to
    place the file by hand when all mirrors fail."""
    errors = []
    for mirror in mirrors:
        url = mirror + filename if mirror.endswith("/") else f"{mirror}/{filename}"
        try:
            return download_url(url, root, filename, md5, timeout=timeout)
        except (urllib.error.URLError, OSError, RuntimeError, ValueError) as e:
            errors.append(f"  {url}: {e}")
    dest = os.path.join(os.path.expanduser(os.fspath(root)), filename)
    raise RuntimeError(
        f"Error downloading {filename}: every mirror failed:\n" + "\n".join(errors) +
        f"\nDownload {filename} yourself (md5 {md5}) and place it at {dest}")


def _safe_members_tar(tar: tarfile.TarFile, dest: str) -> Iterable[tarfile.TarInfo]:
    dest = os.path.realpath(dest)
    for m in tar.getmembers():
        target = os.path.realpath(os.path.join(dest, m.name))
        if not (target == dest or target.startswith(dest + os.sep)):
            raise RuntimeError(f"refusing to extract {m.name!r} outside {dest}")
        if m.issym() or m.islnk() or m.isdev():
            continue
        yield m


def extract_archive(from_path: str, to_path: str | None = None,
                    remove_finished: bool = False) -> str:
    """Extract a ``.tar``, ``.tar.gz``/``.tgz`` or ``.zip`` archive (members that would land
    outside ``to_path`` are refused; links and devices are skipped)."""
    to_path = to_path or os.path.dirname(from_path)
    if zipfile.is_zipfile(from_path):
        dest = os.path.realpath(to_path)
        with zipfile.ZipFile(from_path) as z:
            for name in z.namelist():
                target = os.path.realpath(os.path.join(dest, name))
                if not (target == dest or target.startswith(dest + os.sep)):
                    raise RuntimeError(f"refusing to extract {name!r} outside {dest}")
            z.extractall(to_path)
    elif tarfile.is_tarfile(from_path):
        with tarfile.open(from_path, "r:*") as tar:
            tar.extractall(to_path, members=list(_safe_members_tar(tar, to_path)))
    else:
        raise RuntimeError(f"{from_path} is not a supported archive (tar, tar.gz, zip)")
    if remove_finished:
        os.remove(from_path)
    return to_path


def download_and_extract_archive(url: str, download_root: str, extract_root: str | None = None,
                                 filename: str | None = None, md5: str | None = None,
                                 remove_finished: bool = False) -> None:
    download_root = os.path.expanduser(os.fspath(download_root))
    extract_root = extract_root or download_root
    filename = filename or os.path.basename(url)
    fpath = download_url(url, download_root, filename, md5)
    extract_archive(fpath, extract_root, remove_finished)


def verify_str_arg(value: str, arg: str | None = None,
                   valid_values: Iterable[str] | None = None,
                   custom_msg: str | None = None) -> str:
    if not isinstance(value, str):
        msg = "Expected type str" + ("" if arg is None else f" for argument {arg}")
        raise ValueError(f"{msg}, but got type {type(value)}.")
    if valid_values is None:
        return value
    if value not in valid_values:
        if custom_msg is not None:
            raise ValueError(custom_msg)
        raise ValueError(f"Unknown value '{value}' for argument {arg}. Valid values are "
                         f"{{{', '.join(repr(v) for v in valid_values)}}}.")
    return value
