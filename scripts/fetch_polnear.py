"""Place the PolNeAR v1.0 release under data/external/polnear/ from a local copy of its repository.

Usage: python scripts/fetch_polnear.py SOURCE [--dest data/external/polnear]

SOURCE is either a clone of https://github.com/networkdynamics/PolNeAR (a folder with
data/metadata.tsv in it) or a bare git directory of it (read at HEAD with `git archive`).
Nothing is downloaded: get the repository yourself, e.g.

    git clone --depth 1 https://github.com/networkdynamics/PolNeAR /tmp/PolNeAR
    python scripts/fetch_polnear.py /tmp/PolNeAR

Copied: data/metadata.tsv and, for the train, dev and test splits, the article texts
(`text/*.txt`) and the brat standoff annotations (`attributions/*_<annotator>.ann`).
The CoreNLP parses (about 1 GB) are not needed by `stance.extraction.polnear` and are left out.
The result (gitignored: the articles belong to their publishers):

    data/external/polnear/metadata.tsv
    data/external/polnear/{train,dev,test}/text/<article>.txt
    data/external/polnear/{train,dev,test}/attributions/<article>_<annotator>.ann
"""
from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

SPLITS = ("train", "dev", "test")
PARTS = ("text", "attributions")


def wanted(path: str) -> bool:
    """Whether a repository path belongs to the placed release."""
    bits = path.split("/")
    if bits == ["data", "metadata.tsv"]:
        return True
    return len(bits) == 4 and bits[0] == "data" and bits[1] in SPLITS and bits[2] in PARTS


def copy_from_clone(src: Path, dest: Path) -> int:
    """Copy the wanted files of a working tree; the number copied."""
    n = 0
    for f in sorted((src / "data").rglob("*")):
        rel = f.relative_to(src).as_posix()
        if f.is_file() and wanted(rel):
            out = dest / Path(rel).relative_to("data")
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, out)
            n += 1
    return n


def copy_from_git_dir(src: Path, dest: Path) -> int:
    """Extract the wanted files of HEAD of a (bare) git directory; the number extracted."""
    paths = ["data/metadata.tsv"] + [f"data/{s}/{p}" for s in SPLITS for p in PARTS]
    blob = subprocess.run(["git", "--git-dir", str(src), "archive", "--format=tar", "HEAD", *paths],
                          check=True, capture_output=True).stdout
    n = 0
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        for member in tar.getmembers():
            if member.isfile() and wanted(member.name):
                out = dest / Path(member.name).relative_to("data")
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(tar.extractfile(member).read())
                n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", help="PolNeAR clone folder or bare git directory")
    ap.add_argument("--dest", default="data/external/polnear", help="where to place the release")
    args = ap.parse_args(argv)
    src, dest = Path(args.source), Path(args.dest)
    if (src / "data" / "metadata.tsv").is_file():
        n = copy_from_clone(src, dest)
    elif (src / "HEAD").is_file() and (src / "objects").is_dir():
        n = copy_from_git_dir(src, dest)
    else:
        print(f"{src}: neither a PolNeAR clone (data/metadata.tsv) nor a git directory", file=sys.stderr)
        return 2
    counts = {s: len(list((dest / s / "text").glob("*.txt"))) for s in SPLITS}
    print(f"placed {n} files under {dest}: " + ", ".join(f"{s} {c} texts" for s, c in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
