"""latency: what a user waits for, through the real daemon and webserver.

`bash scripts/run.sh` is started as a user starts it (its own DAGSTER_HOME, intake and lake in
the work folder, a free port): setup check, demo data, `dg dev` (webserver + daemon). Measured:

- **first gold**: from the command's start until every demo asset (bronze, silver, quarantine,
  gold) is materialized and every asset check has a result;
- **latency**: then, on the quiet instance, `--latency-drops` times one file of
  `--latency-rows` transactions is dropped into intake; from the file landing until
  silver/transactions, then every gold product that reads it, is committed. Each drop is split
  into stages from the instance's own records: detection (file -> run created by the sensor),
  queue (created -> launched), start (launched -> the run process has loaded the code location),
  the steps, and waits between runs (the automation sensor's tick).

Commits are read from the event log and confirmed through the webserver's GraphQL API (what the
UI shows). Nothing here calls `materialize()`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

from bench.context import log
from bench.machine import REPO
from bench.report import Row, ScenarioResult, median
from dataops_platform import demo_data

SILVER_TARGET = 30.0
GOLD_TARGET = 60.0
FIRST_GOLD_TARGET = 300.0
DROPPED_DATASET = "transactions"
POLL = 0.5
ACTIVE = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")


def run(ctx) -> ScenarioResult:
    args = ctx.args
    with ctx.scratch("latency") as root:
        platform = Platform(root, demo_rows=args.latency_demo_rows)
        try:
            first_gold = platform.start_and_wait_for_demo(timeout=args.latency_timeout)
            platform.wait_quiet()
            drops = [
                platform.drop(i, args.latency_rows, timeout=args.latency_timeout) for i in range(args.latency_drops)
            ]
        finally:
            platform.stop()
    return ScenarioResult(_rows(first_gold, drops, args), {"first_gold": first_gold, "drops": drops})


def _rows(first_gold: dict, drops: list[dict], args) -> list[Row]:
    scale = f"{args.latency_rows:,} tx per file, {len(drops)} drops"
    silver = median([d.get("silver_seconds") for d in drops])
    gold = median([d.get("gold_seconds") for d in drops])
    stages = _median_stages(drops)
    notes = "; ".join(f"{k} {v:.1f} s" for k, v in stages.items())
    return [
        Row("latency: file -> silver", scale, silver, None, "s", None, f"≤ {SILVER_TARGET:.0f} s",
            _met(silver, SILVER_TARGET), notes),
        Row("latency: file -> gold", scale, gold, None, "s", None, f"≤ {GOLD_TARGET:.0f} s", _met(gold, GOLD_TARGET),
            f"gold products: {', '.join(drops[0]['gold_products']) if drops else '—'}"),
        Row("first gold (scripts/run.sh)", f"demo, {args.latency_demo_rows:,} tx", first_gold.get("seconds"), None,
            "s", None, f"≤ {FIRST_GOLD_TARGET / 60:.0f} min", _met(first_gold.get("seconds"), FIRST_GOLD_TARGET),
            _first_gold_notes(first_gold)),
    ]  # fmt: skip


def _met(value: float | None, target: float) -> bool | None:
    return None if value is None else value <= target


def _median_stages(drops: list[dict]) -> dict[str, float]:
    names = [name for d in drops for name in d.get("stages", {})]
    ordered = list(dict.fromkeys(names))
    return {name: statistics.median([d["stages"][name] for d in drops if name in d["stages"]]) for name in ordered}


def _first_gold_notes(first_gold: dict) -> str:
    parts = [f"{first_gold.get('runs', 0)} runs", f"setup + demo data {first_gold.get('before_dg_dev', 0):.0f} s"]
    if first_gold.get("missing"):
        parts.append(f"not done: {first_gold['missing'][:5]}")
    return ", ".join(parts)


class Platform:
    """`scripts/run.sh` in a work folder, and what its instance and webserver say."""

    def __init__(self, root: Path, demo_rows: int, domains: str | None = None):
        self.root, self.home, self.intake, self.lake = root, root / "home", root / "intake", root / "lake"
        self.port = _free_port()
        self.demo_rows = demo_rows
        self.domains = domains  # DATAOPS_DOMAINS for the run command (None: its default)
        self.process: subprocess.Popen | None = None
        self.instance = None
        self.started = 0.0

    # ------------------------------------------------------------ start and stop
    def start_and_wait_for_demo(self, timeout: float) -> dict:
        env = {
            **os.environ,
            "DATAOPS_DAGSTER_HOME": str(self.home),
            "DATAOPS_INTAKE_ROOT": str(self.intake),
            "DATAOPS_LAKE_ROOT": str(self.lake),
            "DATAOPS_DEMO_ROWS": str(self.demo_rows),
            "DAGSTER_PORT": str(self.port),
        }
        env.pop("DAGSTER_HOME", None)
        env.pop("DATAOPS_DOMAINS", None)
        if self.domains:
            env["DATAOPS_DOMAINS"] = self.domains
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # a default Python install: run workers load cached bytecode
        self.started = time.time()
        output = (self.root / "run.log").open("wb")
        log(f"latency: bash scripts/run.sh (port {self.port}, log {self.root / 'run.log'})")
        self.process = subprocess.Popen(
            ["bash", "scripts/run.sh"], cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self._wait(lambda: (self.home / "dagster.yaml").exists() and self._graphql_up(), timeout, "the webserver")
        self.instance = _instance(self.home)
        expected = self._demo_assets()
        done = self._wait(lambda: not self._missing(*expected), timeout, "every demo asset", fail=False)
        seconds = time.time() - self.started if done else None
        first_run = min((r.create_timestamp.timestamp() for r in self.runs()), default=self.started)
        result = {
            "seconds": seconds,
            "before_dg_dev": first_run - self.started,
            "runs": len(self.runs()),
            "missing": [] if done else self._missing(*expected),
        }
        if not done:  # what a failed wait needs to be understood: every run, and why automation held back
            result["diagnosis"] = self.diagnosis(expected[0])
            log(f"latency: {result['diagnosis']}")
        return result

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def wait_quiet(self, settle: float = 40.0) -> None:
        """No run queued or in progress for `settle` seconds (longer than an automation tick)."""
        quiet_since = time.time()
        while time.time() - quiet_since < settle:
            if any(r.dagster_run.status.value in ACTIVE for r in self.runs()):
                quiet_since = time.time()
            time.sleep(1.0)

    # ------------------------------------------------------------ one drop
    def drop(self, index: int, rows: int, timeout: float) -> dict:
        silver, golds = self._dropped_assets()
        before = {key: self._latest_timestamp(key) for key in [silver, *golds]}
        source = _drop_file(self.root / f"drop{index}", rows, index)
        target = self.intake / "payments" / "transactions" / f"transactions_latency_{index:02d}.csv"
        landed = _land(source, target)
        log(f"latency: drop {index + 1} landed ({rows:,} tx)")
        committed = {}

        def all_committed() -> bool:
            for key in [silver, *golds]:
                if key not in committed and (self._latest_timestamp(key) or 0) > max(before[key] or 0, landed):
                    committed[key] = self._latest_timestamp(key)
            return len(committed) == 1 + len(golds)

        self._wait(all_committed, timeout, f"drop {index + 1} to reach gold", fail=False)
        shown = {_key_text(key): self._ui_timestamp(key) for key in committed}
        self.wait_quiet()
        result = {
            "landed": landed,
            "silver_seconds": committed[silver] - landed if silver in committed else None,
            "gold_seconds": max(committed[g] for g in golds) - landed if all(g in committed for g in golds) else None,
            "gold_products": [_key_text(g) for g in golds],
            "ui_timestamps": shown,
            "ui_matches_instance": all(
                shown[_key_text(k)] is not None and abs(shown[_key_text(k)] - v) < 1.0 for k, v in committed.items()
            ),
            **self._stages(landed, committed.get(silver), max(committed.values(), default=None)),
        }
        log(f"latency: drop {index + 1}: silver {result['silver_seconds']}, gold {result['gold_seconds']}")
        return result

    def _stages(self, landed: float, silver_at: float | None, gold_at: float | None) -> dict:
        """Where a drop's time went, from the records of the runs created after it landed."""
        from dagster import DagsterEventType

        runs = sorted((r for r in self.runs() if r.create_timestamp.timestamp() >= landed - 1),
                      key=lambda r: r.create_timestamp)  # fmt: skip
        stages, timeline, cursor = {}, [], landed
        kinds = {DagsterEventType.RUN_STARTING, DagsterEventType.RUN_START, DagsterEventType.STEP_START,
                 DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE, DagsterEventType.RUN_SUCCESS,
                 DagsterEventType.RUN_FAILURE}  # fmt: skip
        for number, record in enumerate(runs, start=1):
            run = record.dagster_run
            created = record.create_timestamp.timestamp()
            events = self.instance.all_logs(run.run_id, of_type=kinds)
            at = {e.dagster_event_type.value: e.timestamp for e in events}
            label = "detection" if number == 1 else f"wait for run {number}"
            stages[label] = created - cursor
            starting = at.get("PIPELINE_STARTING", created)
            stages[f"run {number} queue"] = starting - created
            stages[f"run {number} start"] = at.get("PIPELINE_START", starting) - starting
            started_steps = {}
            for event in events:
                kind = event.dagster_event_type
                if kind == DagsterEventType.STEP_START:
                    started_steps[event.step_key] = event.timestamp
                elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                    stages[f"run {number} {event.step_key}"] = event.timestamp - started_steps.get(event.step_key,
                                                                                                  event.timestamp)  # fmt: skip
            cursor = at.get("PIPELINE_SUCCESS", at.get("PIPELINE_FAILURE", created))
            timeline.append({"run_id": run.run_id, "tags": dict(run.tags), "status": run.status.value,
                             "assets": sorted(_key_text(k) for k in run.asset_selection or [])})  # fmt: skip
        return {"stages": stages, "runs": timeline}

    # ------------------------------------------------------------ what the instance says
    def runs(self):
        """Every run record of the served instance (used by tests too)."""
        return self.instance.get_run_records() if self.instance else []

    def diagnosis(self, assets) -> str:
        """Every run (created, status, who asked, assets), then for each asset never materialized the
        automation's last evaluations: which parts of its condition held at each tick."""
        lines = ["runs:"]
        for record in sorted(self.runs(), key=lambda r: r.create_timestamp):
            run = record.dagster_run
            lines.append(
                f"  {record.create_timestamp:%H:%M:%S} {run.status.value} {run.tags.get('dagster/sensor_name')} "
                f"{sorted(_key_text(k) for k in run.asset_selection or [])}"
            )
        for key in [k for k in assets if self._latest_timestamp(k) is None]:
            lines.append(f"automation evaluations of {_key_text(key)}:")
            records = self.instance.schedule_storage.get_auto_materialize_asset_evaluations(key=key, limit=20)
            for record in sorted(records, key=lambda r: r.evaluation_id):
                evaluation = record.get_evaluation_with_run_ids()
                lines.append(f"  {dt.datetime.fromtimestamp(record.timestamp):%H:%M:%S} "
                             f"runs {sorted(evaluation.run_ids)} {_condition_parts(evaluation.evaluation)}")  # fmt: skip
        return "\n".join(lines)

    def _latest_timestamp(self, key) -> float | None:
        event = self.instance.get_latest_materialization_event(key)
        return event.timestamp if event else None

    def _demo_assets(self):
        """The asset and check keys of the platform's layers, from the code location the webserver loaded."""
        from dagster import AssetCheckKey, AssetKey

        data = self.graphql(
            "{ assetNodes { assetKey { path } groupName assetChecksOrError { ... on AssetChecks { checks { name } } } } }"
        )["assetNodes"]
        nodes = [n for n in data if n["groupName"] in ("bronze", "silver", "quarantine", "gold")]
        assets = [AssetKey(n["assetKey"]["path"]) for n in nodes]
        checks = [
            AssetCheckKey(AssetKey(n["assetKey"]["path"]), c["name"])
            for n in nodes
            for c in (n.get("assetChecksOrError") or {}).get("checks", [])
        ]
        return assets, checks

    def _missing(self, assets, checks) -> list[str]:
        missing = [_key_text(k) for k in assets if self._latest_timestamp(k) is None]
        executions = self.instance.event_log_storage.get_latest_asset_check_execution_by_key(checks)
        missing += [f"{_key_text(k.asset_key)}:{k.name}" for k in checks if executions.get(k) is None or
                    executions[k].status.value in ("PLANNED", "IN_PROGRESS")]  # fmt: skip
        return missing

    def _dropped_assets(self):
        from dagster import AssetKey

        nodes = self.graphql("{ assetNodes { assetKey { path } groupName dependencyKeys { path } } }")["assetNodes"]
        silver = AssetKey(["silver", DROPPED_DATASET])
        golds = [AssetKey(n["assetKey"]["path"]) for n in nodes
                 if n["groupName"] == "gold" and {"path": silver.path} in n["dependencyKeys"]]  # fmt: skip
        return silver, golds

    # ------------------------------------------------------------ what the webserver says
    def graphql(self, query: str) -> dict:
        """The `data` of one GraphQL query to the running webserver (used by tests too)."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql",
            data=json.dumps({"query": query}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["data"]

    def _graphql_up(self) -> bool:
        try:
            return bool(self.graphql("{ version }"))
        except OSError:
            return False

    def _ui_timestamp(self, key) -> float | None:
        path = json.dumps(list(key.path))
        data = self.graphql(
            f"{{ assetOrError(assetKey: {{path: {path}}}) {{ ... on Asset {{ assetMaterializations(limit: 1) "
            "{ timestamp } } } }"
        )
        found = (data.get("assetOrError") or {}).get("assetMaterializations") or []
        return float(found[0]["timestamp"]) / 1000 if found else None

    def _wait(self, done, timeout: float, what: str, fail: bool = True) -> bool:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"scripts/run.sh exited with {self.process.returncode}; see {self.root / 'run.log'}")
            if done():
                return True
            time.sleep(POLL)
        if fail:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}; see {self.root / 'run.log'}")
        log(f"latency: gave up waiting for {what} after {timeout:.0f} s")
        return False


def _condition_parts(evaluation, depth: int = 0) -> str:
    """`label=true partitions` of a condition and its children, two levels deep."""
    snapshot = evaluation.condition_snapshot
    value = evaluation.true_subset.value
    size = len(value.get_partition_keys()) if hasattr(value, "get_partition_keys") else int(bool(value))
    text = f"{snapshot.label or snapshot.name or snapshot.class_name}={size}"
    if depth < 2 and evaluation.child_evaluations:
        text += "(" + ", ".join(_condition_parts(c, depth + 1) for c in evaluation.child_evaluations) + ")"
    return text


def _instance(home: Path):
    from dagster import DagsterInstance

    return DagsterInstance.from_config(str(home))


def _key_text(key) -> str:
    return "/".join(key.path)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _drop_file(folder: Path, rows: int, index: int) -> Path:
    """Today's transactions from the demo generator (its defects included), with transaction ids
    of their own so each drop adds rows rather than re-sending the demo's."""
    today = dt.datetime.now(dt.timezone.utc).date()
    demo_data.generate(folder, rows=rows, days=1, start_date=today, seed=1000 + index)
    source = next((folder / "payments" / "transactions").glob("*.csv"))
    renamed = folder / "drop.csv"
    with source.open(newline="", encoding="utf-8") as src, renamed.open("w", newline="", encoding="utf-8") as out:
        reader, writer = csv.reader(src), csv.writer(out, lineterminator="\n")
        header = next(reader)
        column = header.index("transaction_id")
        writer.writerow(header)
        for record in reader:
            if len(record) > column and record[column].startswith("T"):
                record[column] = f"T9{index:03d}{record[column][-6:]}"
            writer.writerow(record)
    return renamed


def _land(source: Path, target: Path) -> float:
    """Writes the file under a hidden name, then renames it into place: the landing instant."""
    target.parent.mkdir(parents=True, exist_ok=True)
    hidden = target.with_name(f".{target.name}.partial")
    hidden.write_bytes(source.read_bytes())
    os.replace(hidden, target)
    return time.time()
