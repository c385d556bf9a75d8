"""Regenerate storage/starter/starter.json from the seed pages with the project's own page analysis.

    python scripts/build_starter_data.py [--seeds ../shared/seeds]

The seed folder's README.md maps each file to the URL it is a rendering of. Only findings and their
quoted sentences are written, never the pages' text.
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import date
from pathlib import Path

from jobs.analysis import analyse_page
from jobs.starter import STARTER_PATH, dump

REPO = Path(__file__).resolve().parent.parent
_ROW = re.compile(r"^\|\s*(?P<file>[^|\s]+\.txt)\s*\|[^|]*\|\s*(?P<url>https?://\S+?)\s*\|", re.M)


def seed_pages(seeds: Path) -> list[tuple[Path, str]]:
    """(file, URL) for every seed page listed in the seed folder's README."""
    readme = (seeds / "README.md").read_text(encoding="utf-8")
    return [(seeds / m["file"], m["url"]) for m in _ROW.finditer(readme)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=REPO.parent / "shared" / "seeds")
    parser.add_argument("--out", type=Path, default=STARTER_PATH)
    args = parser.parse_args()
    analyses = [analyse_page(path.read_bytes(), url, "text/plain") for path, url in seed_pages(args.seeds)]
    if not analyses:
        raise SystemExit(f"no seed pages listed in {args.seeds / 'README.md'}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(dump(analyses, date.today()), ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")
    for analysis in analyses:
        print(f"{analysis.url}: {analysis.kind}, {len(analysis.findings)} findings")
    print(f"wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")


if __name__ == "__main__":
    main()
