"""Impact report releases: how long the figures and their protection take for a big
campaign (server/reports/impact.py; README there, "Cost").

    .venv/bin/python bench/report_releases.py [--students 3000] [--uses 20000] [--months 12]
        [--categories 8] [--venues 60] [--municipalities 40]

The rows are made up in memory (no database): what is measured is the work after the
read, for the current release and the previous one (two `Sheet.protect`), which is
what grows with a campaign. Payments are spread over the months, with a share of
small venues and towns so that coarsening and complements have work to do.

Then the impact answer itself, both ways, in the same run (server/reports/snapshots.py):
computed (the release from the rows, the names, the schema, the JSON) and served from
a snapshot (the stored JSON parsed, the names, the schema, the JSON). The database
reads are left out of both, which flatters the computed answer: it also reads every
row of the campaign, the snapshot one row. The last line is one JSON object.
"""
import argparse
import json
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402

from server.reports import impact, schemas  # noqa: E402
from server.reports.suppression import Sheet  # noqa: E402

# Real Lombard ISTAT codes would need the list; made-up codes in province 015 do as well.
MUNICIPALITY = "015{:03d}"


def activity(args, rng: random.Random) -> impact.Activity:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    span = timedelta(days=30 * args.months)
    claims = [(wallet, start + span * rng.random() * 0.3) for wallet in range(args.students)]
    venue_weights = [1 / (i + 1) for i in range(args.venues)]  # a long tail of small venues
    uses = []
    for _ in range(args.uses):
        wallet = rng.randrange(args.students)
        at = start + span * rng.random()
        cancelled = at + timedelta(days=rng.randrange(1, 20)) if rng.random() < 0.05 else None
        venue = rng.choices(range(args.venues), venue_weights)[0]
        uses.append(impact.Use(wallet, rng.randrange(300, 2_500), rng.randrange(args.categories), 1_000 + venue,
                               MUNICIPALITY.format(venue % args.municipalities), at, cancelled))
    bookings = [(u.wallet, u.at, u.until, u.at + timedelta(days=3), u.at + timedelta(days=3) if rng.random() < 0.8
                 else None) for u in uses[: args.uses // 2]]
    ratings = [(b[0], rng.randrange(1, 6), b[4]) for b in bookings if b[4] and rng.random() < 0.3]
    return impact.Activity([1], claims, uses, bookings, ratings)


class Campaign:
    id, name = 1, "Campagna di prova"


def answer(released: dict) -> bytes:
    """What the endpoint does with a release: the report around it, the schema, JSON."""
    report = impact.campaign_impact(campaign=Campaign, released=released, minimum=5, funds={})
    return json.dumps(schemas.CampaignImpact().dump(report)).encode()


def answers(rows, now, runs: int) -> dict:
    """CPU seconds of the impact answer computed and from a snapshot (median of runs)."""
    impact.Activity.read = classmethod(lambda cls, campaign_ids: rows)  # the rows, as read
    impact.repository.names = lambda ids: {i: f"Sede {i}" for i in ids if i is not None}
    stored = json.dumps(impact.released_campaign(1, now=now, minimum=5))  # the snapshot row's payload
    computed, served = [], []
    with Flask(__name__).app_context():  # the categories' labels come from the app's config
        for _ in range(runs):
            began = time.process_time()
            fresh = answer(impact.released_campaign(1, now=now, minimum=5))
            computed.append(time.process_time() - began)
            began = time.process_time()
            kept = answer(json.loads(stored))
            served.append(time.process_time() - began)
            assert kept == fresh  # the same answer either way
    return {"computed": statistics.median(computed), "snapshot": statistics.median(served)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3_000)
    parser.add_argument("--uses", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--categories", type=int, default=8)
    parser.add_argument("--venues", type=int, default=60)
    parser.add_argument("--municipalities", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    impact.thanks_api.counts_for_campaign = lambda campaign_id, until=None: {}  # no database here
    rows = activity(args, random.Random(13))
    now = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(days=30 * args.months + 15)

    protects = []
    original = Sheet.protect

    def timed(sheet, minimum):
        began = time.process_time()
        original(sheet, minimum)
        protects.append((time.process_time() - began, len(sheet.cells), len(sheet.sums)))
    Sheet.protect = timed

    seconds = []
    for _ in range(args.runs):
        protects.clear()
        began = time.process_time()  # CPU time: the machine this runs on may be shared
        released, release = impact._protected(rows, now, 5)
        seconds.append(time.process_time() - began)
    hidden = sum(cell.suppressed for cell in release.sheet.cells if cell.published and not cell.fixed)
    result = {"students": args.students, "uses": args.uses, "releases": len(released),
              "cells": protects[-1][1], "sums": protects[-1][2], "hidden_cells": hidden,
              "report_seconds_median": round(statistics.median(seconds), 3),
              "protect_seconds": [round(p[0], 3) for p in protects]}
    print(f"{len(released)} releases, current sheet {result['cells']} cells / {result['sums']} sums, "
          f"{hidden} shown cells hidden; report {result['report_seconds_median']} s CPU (median of {args.runs}), "
          f"protect {result['protect_seconds']} s CPU")
    timed = answers(rows, now, args.runs)
    result.update({"answer_computed_seconds": round(timed["computed"], 3),
                   "answer_snapshot_seconds": round(timed["snapshot"], 5),
                   "snapshot_speedup": round(timed["computed"] / timed["snapshot"])})
    print(f"impact answer: computed {result['answer_computed_seconds']} s CPU, from a snapshot "
          f"{result['answer_snapshot_seconds'] * 1000:.2f} ms CPU: {result['snapshot_speedup']}x "
          f"(median of {args.runs}, same run)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
