"""Flag sample-corpus articles whose statements rest on low-reliability pages.

Usage: python scripts/source_quality.py [ARTICLES]

A page is low-reliability when its domain is a content farm, a machine-spun or AI-written
aggregator, or a mirror of the "Pravda network" of aggregator sites (the list below, drawn up
while the corpus was written). Prints how many articles cite such pages at all, and how many
cite nothing else, with the article ids of the latter, so a study can leave them out or check
them by hand.
"""
from __future__ import annotations

import collections
import json
import sys
import urllib.parse
from pathlib import Path

LOW_RELIABILITY = [
    # "Pravda network" aggregators (not Pravda.ru, not Ukrainska Pravda at pravda.com.ua)
    "news-pravda.com", "pravda-en.com", "pravda-news.xyz", "pravda-7pd.pages.dev",
    # machine-translated, spun or AI-written aggregators and content farms
    "pledgetimes.com", "hanna-ai", "lyrics-az", "lyricsweb", "txtreport", "newsunrolled", "benborges.xyz",
    "playcrazygame.com", "world-today-news.com", "exbulletin.com", "ogreszinas.news", "daily8.com",
    "alwaysfreshnews.com", "socialbites.ca", "trendingfeeds.info", "thedailyexclusives.com", "newsbulletin247.com",
    "topgab.com", "am1.news", "eir.news", "myc.news", "themonexus.com", "prompolit.info", "lowdown.today",
    "vaidra.in", "narrativeradar.io", "freedomandtradition.com", "thewall.fyi", "zamon.uz", "brighteon.com",
    "niqnaq", "tekstrens.com", "gladlink.net", "mideastdiscourse", "kitchen0", "onucoz.com",
]


def low_reliability(url: str) -> bool:
    host = urllib.parse.urlparse(url).netloc.lower()
    return any(marker in host for marker in LOW_RELIABILITY)


def main(articles: str = "data/articles") -> int:
    files = sorted(Path(articles).glob("*.jsonl")) if Path(articles).is_dir() else [Path(articles)]
    some, only = collections.Counter(), []
    total = 0
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            a = json.loads(line)
            total += 1
            flags = [low_reliability(u) for u in a.get("source_urls", [])]
            if any(flags):
                some[f.stem] += 1
            if flags and all(flags):
                only.append(a["id"])
    print(f"articles: {total}; citing at least one low-reliability page: {sum(some.values())} "
          f"({sum(some.values()) / total:.1%}); citing only such pages: {len(only)}")
    for part, n in sorted(some.items()):
        print(f"  {part}: {n}")
    for aid in only:
        print(f"  only low-reliability sources: {aid}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
