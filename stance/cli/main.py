"""The `stance` command line.

Each subcommand lives in `stance.cli.commands.<module>` and provides
`add_arguments(parser)` and `run(args) -> int`. Only the module of the command being
run is imported, so `stance --help` stays fast and never loads torch or spaCy.
"""
from __future__ import annotations

import argparse
import csv
import importlib
import os
import sys
import tempfile
import traceback

from stance import __version__
from stance.errors import InputError

# (command, module under stance.cli.commands, one-line help)
COMMANDS: list[tuple[str, str, str]] = [
    ("extract", "extract", "Extract quoted and reported statements with their speakers from articles."),
    ("eval-extraction", "eval_extraction", "Precision, recall and speaker accuracy of the extractor on gold statements."),
    ("annotate", "annotate", "Export statements for labeling, import labels back, measure agreement."),
    ("weak-label", "weak_label", "Apply labeling functions; print coverage, overlaps, conflicts and accuracy."),
    ("build", "build", "Build a train/dev/test DatasetDict from a dataset config."),
    ("train", "train", "Train a model from a run config into a self-describing run folder."),
    ("evaluate", "evaluate", "Evaluate runs on the held-out test split: F1 with article-bootstrap intervals, paired tests."),
    ("shift-eval", "shift_eval", "Score a model on later events (temporal split) and unseen actors (leave-actor-out)."),
    ("predict", "predict", "Extract and classify statements in new articles with a trained model."),
    ("aggregate", "aggregate", "Label shares per actor and period from statement shards (corpus scale)."),
    ("report", "report", "Draw figures and write REPORT.md from saved run outputs."),
    ("reproduce", "reproduce", "Run an experiment end to end: extract, build, train, evaluate, predict, report."),
]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser; only `command`'s module is imported to add its arguments."""
    parser = argparse.ArgumentParser(prog="stance", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"stance {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module, help_text in COMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            importlib.import_module(f"stance.cli.commands.{module}").add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `stance` script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    known = {name for name, _, _ in COMMANDS}
    parser = build_parser(command if command in known else None)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    module = dict((n, m) for n, m, _ in COMMANDS)[args.command]
    try:
        return int(importlib.import_module(f"stance.cli.commands.{module}").run(args) or 0)
    except InputError as exc:
        print(f"stance {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"stance {args.command}: interrupted (finished outputs are in place; none is half-written)",
              file=sys.stderr)
        return 130
    except Exception as exc:  # every failure reachable from the CLI is a located message, never a traceback
        if os.environ.get("STANCE_DEBUG"):
            raise
        print(f"stance {args.command}: error: {describe_error(exc)}", file=sys.stderr)
        return 2


def describe_error(exc: BaseException) -> str:
    """A one-line message for an error that no reader turned into an InputError.

    File-system, encoding, CSV, nesting and memory errors are described as such; anything
    else is an unexpected error: its traceback is saved to a file whose name is printed.
    """
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else "output"
        return f"{where}: {exc.strerror or exc}"
    if isinstance(exc, UnicodeDecodeError):
        return f"input is not valid {exc.encoding} (byte {exc.start}: {exc.reason}); pass the right --encoding"
    if isinstance(exc, LookupError) and "encoding" in str(exc):
        return f"{exc}"
    if isinstance(exc, csv.Error):
        return f"CSV input: {exc}"
    if isinstance(exc, RecursionError):
        return "input nested too deeply (JSON or YAML with thousands of levels)"
    if isinstance(exc, MemoryError):
        return "out of memory: the input is too large for this machine (split it into smaller files)"
    fd, log = tempfile.mkstemp(prefix="stance-error-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("".join(traceback.format_exception(exc)))
    return (f"unexpected {type(exc).__name__}: {exc} (a bug in stance: the traceback is in {log}; "
            f"set STANCE_DEBUG=1 to see it here)")


if __name__ == "__main__":
    sys.exit(main())
