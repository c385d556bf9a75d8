"""Regenerate storage/starter/starter.json from the seed pages with the project's own page analysis.

    python scripts/build_starter_data.py [--seeds ../shared/seeds]

The seed folder's README.md maps each file to the URL it is a rendering of. Only findings and their
quoted sentences are written, never the pages' text.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from jobs.analysis import analyse_page
from jobs.starter import STARTER_PATH, dump, seed_pages

REPO = Path(__file__).resolve().parent.parent


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
