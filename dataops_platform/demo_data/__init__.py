"""Deterministic demo data for the customer-360 domain, with realistic defects at known rates.

`generate()` writes four source datasets into an *intake folder*, the way the source systems
would drop them, and returns a manifest (also written to ``<intake_root>/_demo_manifest.json``)
that states exactly what was written and what the platform is expected to do with it.

Folders, file formats, columns, id formats, allowed values and value aliases are read from the
dataset declarations (``defs/<dataset>/defs.yaml`` and their pandera contracts) the first time
they are needed; see `vocabulary` for what is checked against them.

Layout (one file per dataset and day; a day with more than 1,000,000 transactions or web events
is split into ``_partNNN`` files). Each file's mtime is set to 12:00:00 UTC of its day, which the
platform reads as the landing date:

| dataset         | path under the intake root                                   | format     |
|-----------------|--------------------------------------------------------------|------------|
| customers       | ``crm/customers/customers_<YYYY-MM-DD>.csv``                  | CSV        |
| transactions    | ``payments/transactions/transactions_<YYYY-MM-DD>[_partNNN].csv`` | CSV    |
| web_events      | ``web/events/web_events_<YYYY-MM-DD>[_partNNN].jsonl``        | JSON lines |
| support_tickets | ``helpdesk/tickets/support_tickets_<YYYY-MM-DD>.jsonl``       | JSON lines |

Sizes: ``rows`` transactions and ``rows`` web events, ``max(50, rows // 10)`` customers and
``max(20, rows // 20)`` support tickets, spread evenly over ``days`` days. The first customers
file is a full export; later ones hold a few new signups plus ~2% *update records* (same
customer_id, later updated_at, changed status or email). Updates are not defects: the latest
updated_at wins downstream.

Defects. Every source row carries at most one defect, so outcomes are countable. Rates are
fractions of a dataset's source rows (`DefectRates`); ``defect_scale`` multiplies all of them
(each capped at 0.5; if a dataset's row defects then add up to more than 95% of its rows, they
are scaled down proportionally). Duplicates are exact copies of clean rows (never of a defective
row, an update record or another duplicate), placed later in the same file or, for transactions,
web events and tickets, sometimes in the next day's file.

| defect               | rate | datasets                          | expected downstream                  |
|----------------------|------|-----------------------------------|--------------------------------------|
| `null_critical`      | 2%   | all                               | kept, counted by completeness checks |
| `null_primary_key`   | 0.3% | all                               | quarantined                          |
| `duplicate`          | 3%   | all                               | removed by de-duplication            |
| `messy_email`        | 10%  | customers                         | cleansed (trim + lowercase), kept    |
| `malformed_date`     | 0.5% | all                               | quarantined                          |
| `future_date`        | 0.3% | all                               | quarantined                          |
| `negative_amount`    | 0.5% | transactions                      | quarantined                          |
| `non_numeric_amount` | 0.3% | transactions                      | quarantined                          |
| `orphan_foreign_key` | 1%   | transactions, web_events, tickets | kept, reported by consistency checks |
| `unknown_category`   | 0.5% | all                               | quarantined                          |
| `alias_category`     | 2%   | all                               | standardized, kept                   |
| `corrupt_line`       | 0.1% | web_events, tickets               | quarantined as malformed             |

What they look like:

- null_critical: one empty critical column; customers email / signup_date / region, transactions
  customer_id / transaction_ts / amount, web_events customer_id / event_ts / event_type, tickets
  customer_id / created_at / status (empty CSV field, JSON null).
- null_primary_key: empty customer_id / transaction_id / event_id / ticket_id.
- messy_email: mixed case and stray spaces, e.g. ``"  Emma.Smith12@Example.COM "``.
- malformed_date: ``2026-13-45``, ``15/03/2026``, ``yesterday``, ``not a date``, ``00/00/0000`` in
  customers.signup_date, transaction_ts, event_ts, tickets created_at and updated_at.
- future_date: 1 to 3 years after the file's day, in customers.updated_at, transaction_ts,
  event_ts, tickets created_at and updated_at.
- negative_amount ``-12.50``; non_numeric_amount ``abc``, ``12,50``, ``12.50 USD``.
- orphan_foreign_key: a well-formed customer_id with no customer (``C9000000``..``C9999999``).
  Other rows only reference customers that survive into silver, so these are the only orphans.
- unknown_category: customers.status ``unknown``/``prospect``/``deleted``, transactions.status
  ``unknown``/``chargeback``/``disputed``, event_type ``unknown``/``hover``/``scroll``,
  tickets status ``unknown``/``escalated``/``reopened``.
- alias_category: the same value spelled differently; transactions status ``COMPLETE``, ``Done``,
  ``completed ``, ``OK``, ``FAILED`` and channel ``Web``, ``POS``, ``App``; customers region ``N``,
  ``North ``, ``NORTH`` and status ``Active``; event_type / device and tickets status / priority /
  channel in upper or title case (``OPEN``, ``Page_View``). Cleansing is trim + lowercase + the
  value maps of the dataset declarations.
- corrupt_line: a JSON line cut somewhere in its middle.

Per dataset the manifest's ``expected`` block gives ``quarantined`` (null_primary_key +
malformed_date + future_date + negative_amount + non_numeric_amount + unknown_category +
corrupt_line), ``duplicates_removed`` and ``silver_rows`` (rows left after both, one per primary
key; for customers also ``distinct_customers``). Update records only ever target customers whose
first record is clean, so "latest wins" never has to choose between a defective and a clean row.

A few customers are heavy buyers (spend > 1000), some buy often but little (> 5 transactions,
spend <= 500), some never buy, and a few non-buyers have more than 3 open tickets, so every
branch of a customer health score is populated at the default scale.

Output is byte-identical for the same (rows, days, start_date, seed, defect_scale): all
randomness is seeded per dataset, day and chunk, and the wall clock is only read for the default
``start_date``. Data is generated and written in chunks of at most 1,000,000 rows with numpy and
pyarrow, so memory stays bounded at tens of millions of rows.

Modules: `vocabulary` (declared values checked against the generator's weights and misspellings),
`words`, `randomness`, `formatting`, `world` (segments, shared customer facts), `spec`, one module
per dataset (`customers`, `transactions`, `web_events`, `support_tickets`), `datasets`, `defects`
(kinds, rates, assignment), `injection`, `lines`, `render` and `writer`.

A second domain, personal analytics (smart-home sensors, a sports watch, a bank account), is
generated by `personal` with ``domains=("customer360", "personal_analytics")`` (its layout and
defects are in that package's docstring); `add_domains` adds it to existing demo data. Customer
360's files and manifest do not change with it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from .datasets import specs
from .defects import DefectRates
from .personal import DOMAIN as PERSONAL_ANALYTICS
from .personal import generate_domain
from .personal.vocabulary import feeds as personal_feeds
from .vocabulary import ORPHAN_MIN, VALUE_LISTS, VocabularyError, value_list
from .world import build_world
from .writer import write_dataset, write_manifest

__all__ = ["DefectRates", "DOMAINS", "add_domains", "generate", "MANIFEST_NAME", "VocabularyError", *VALUE_LISTS]

MANIFEST_NAME = "_demo_manifest.json"
# Module attributes read at each call, so tests can lower them:
CHUNK_ROWS = 1_000_000  # rows generated at a time, and the most rows in one part file
PROGRESS_MIN_ROWS = 1_000_000  # report progress from this many transactions on
MAX_ROWS = (ORPHAN_MIN - 1) * 10
CUSTOMER_360 = "customer360"
DOMAINS = (CUSTOMER_360, PERSONAL_ANALYTICS)  # the domains the generator writes


def __getattr__(name: str):
    """The declared value lists (REGIONS, TX_STATUSES, ...), read from the contracts on first use."""
    if name in VALUE_LISTS:
        return value_list(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(VALUE_LISTS))


def generate(
    intake_root: str | Path,
    rows: int = 2_000,
    days: int = 7,
    start_date: dt.date | None = None,
    seed: int = 42,
    defect_scale: float = 1.0,
    progress: Callable[[str], None] | None = None,
    domains: tuple[str, ...] = (CUSTOMER_360,),
) -> dict:
    """Writes the files, returns the manifest dict (also written as JSON to
    <intake_root>/_demo_manifest.json).

    rows: transactions (and web events); days: files per dataset, from start_date (default: today
    (UTC) minus `days`); defect_scale multiplies every defect rate; progress receives a line per
    written chunk when rows >= 1,000,000; domains: which of DOMAINS to write.
    """
    if not 0 <= rows <= MAX_ROWS:
        raise ValueError(f"rows must be within [0, {MAX_ROWS:,}]")
    if days < 1:
        raise ValueError("days must be >= 1")
    if seed < 0:
        raise ValueError("seed must be >= 0")
    unknown = [d for d in domains if d not in DOMAINS]
    if unknown or not domains:
        raise ValueError(f"domains must be some of {list(DOMAINS)}, got {list(domains)}")
    if start_date is None:
        start_date = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=days)
    parameters = {
        "rows": rows,
        "days": days,
        "start_date": start_date.isoformat(),
        "seed": seed,
        "defect_scale": float(defect_scale),
    }
    manifest = {
        "generator": __name__,
        "parameters": parameters,
        **_written(Path(intake_root), parameters, domains, progress),
    }
    write_manifest(Path(intake_root), MANIFEST_NAME, manifest)
    if progress is not None and rows >= PROGRESS_MIN_ROWS:
        progress(f"manifest: {MANIFEST_NAME}")
    return manifest


def domains_in(manifest: dict) -> list[str]:
    """The domains a manifest's demo data holds."""
    return [d for d in DOMAINS if (d == CUSTOMER_360 and "defect_rates" in manifest) or d in manifest]


def add_domains(intake_root: str | Path, domains: tuple[str, ...]) -> dict:
    """Adds the domains the demo data in `intake_root` lacks, with its parameters; the manifest
    is extended and keeps its modification time (the day the demo data was first written)."""
    root = Path(intake_root)
    path = root / MANIFEST_NAME
    manifest = json.loads(path.read_text(encoding="utf-8"))
    missing = tuple(d for d in domains if d not in domains_in(manifest))
    if missing:
        written = _written(root, manifest["parameters"], missing, None)
        datasets = {**manifest["datasets"], **written.pop("datasets")}
        manifest = {**manifest, **written, "datasets": datasets}
        mtime = path.stat().st_mtime
        write_manifest(root, MANIFEST_NAME, manifest)
        os.utime(path, (mtime, mtime))
    return manifest


def _written(root: Path, parameters: dict, domains: tuple[str, ...], progress) -> dict:
    """Writes the domains' files; the manifest's entries for them."""
    rows, days, seed, scale = (parameters[k] for k in ("rows", "days", "seed", "defect_scale"))
    start_date = dt.date.fromisoformat(parameters["start_date"])
    # the declarations, loaded and checked before anything is written
    dataset_specs = specs() if CUSTOMER_360 in domains else ()
    if PERSONAL_ANALYTICS in domains:
        personal_feeds()
    root.mkdir(parents=True, exist_ok=True)
    written: dict = {"datasets": {}}
    if CUSTOMER_360 in domains:
        rates = DefectRates().scaled(scale)
        world = build_world(rows, days, start_date, seed, rates)
        report = progress if progress is not None and rows >= PROGRESS_MIN_ROWS else None
        for number, spec in enumerate(dataset_specs):
            written["datasets"][spec.name] = write_dataset(spec, number, world, root, report, CHUNK_ROWS)
        written = {"defect_rates": asdict(rates), **written}
    if PERSONAL_ANALYTICS in domains:
        personal = generate_domain(root, rows, days, start_date, seed, scale)
        written["datasets"].update(personal["datasets"])
        written[PERSONAL_ANALYTICS] = {"defect_rates": personal["defect_rates"]}
    return written
