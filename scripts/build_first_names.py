"""Build stance/extraction/data/first_names.tsv: given names whose gender is clear, for pronoun agreement.

The source is the name table of the `nomquamgender` package (Van Buskirk, Clauset and Larremore,
"An open-source cultural consensus approach to name-based gender classification", ICWSM 2023;
MIT licence, copyright 2022 Ian Van Buskirk). The package is not a runtime dependency (it needs
the GPL `unidecode`); this script reads its JSON once and keeps, as a small tab-separated file,
the names that many of its sources agree on:

- attested in at least MIN_SOURCES of its sources and MIN_COUNT times,
- p(female) at most 0.05 (male) or at least 0.95 (female),
- ASCII letters only, and not a title, month, country or US state ("King", "April", "Georgia").

Usage: pip install nomquamgender && python scripts/build_first_names.py
"""
from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

MIN_SOURCES = 10
MIN_COUNT = 1000
OUT = Path(__file__).resolve().parents[1] / "stance" / "extraction" / "data" / "first_names.tsv"

# words the table holds as given names that news text uses mostly otherwise
NOT_GIVEN = set("""
king queen prince princess lady lord sir dame bishop pope father sister brother major general colonel captain
judge justice president senator governor mayor chancellor minister admiral sergeant pastor doctor royal
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
america china india israel jordan georgia france germany russia ukraine britain england ireland scotland wales
italy spain turkey iran iraq syria egypt japan korea kenya chad mali niger peru chile cuba haiti israel lebanon
alabama alaska arizona arkansas california carolina colorado connecticut delaware florida hawaii idaho illinois
indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi missouri montana
nebraska nevada hampshire jersey mexico york dakota ohio oklahoma oregon pennsylvania rhode tennessee texas utah
vermont virginia washington wisconsin wyoming
denver phoenix austin houston dallas charlotte madison orlando tampa memphis boston chicago
""".split())


def main() -> None:
    data = json.loads(importlib.resources.files("nomquamgender").joinpath("name_data.json").read_text("utf-8"))
    rows = []
    for name, value in data.items():
        sources, count, pgf = value[0], value[1], value[2]
        if sources < MIN_SOURCES or count < MIN_COUNT or not (name.isascii() and name.isalpha()):
            continue
        if name in NOT_GIVEN or 0.05 < pgf < 0.95:
            continue
        rows.append((name, "female" if pgf >= 0.95 else "male"))
    rows.sort()
    header = [
        "# Given names whose gender is clear, for pronoun agreement (stance.extraction.names).",
        "# Built by scripts/build_first_names.py from the name table of nomquamgender 0.1.4",
        "# (Van Buskirk, Clauset and Larremore, ICWSM 2023), MIT licence:",
        "# Copyright (c) 2022 Ian Van Buskirk. Permission is hereby granted, free of charge, to any person",
        "# obtaining a copy of this software and associated documentation files (the \"Software\"), to deal",
        "# in the Software without restriction, including without limitation the rights to use, copy, modify,",
        "# merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to",
        "# whom the Software is furnished to do so, subject to the following conditions: The above copyright",
        "# notice and this permission notice shall be included in all copies or substantial portions of the",
        "# Software. THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.",
        f"# Kept: at least {MIN_SOURCES} sources and {MIN_COUNT} occurrences, p(female) <= 0.05 or >= 0.95,",
        "# ASCII letters only, titles, months, countries and US states left out. name<TAB>gender",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(header + [f"{n}\t{g}" for n, g in rows]) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(rows)} names)")


if __name__ == "__main__":
    main()
