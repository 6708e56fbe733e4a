"""The execution backend's pieces: settings, the unchanged asset graph, the task payload, the
job's Pipes plumbing, and SparkDeltaTables (whose Delta calls are checked against a stand-in
`delta.tables`: Delta Lake's Spark jars cannot be fetched here)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import types
from types import SimpleNamespace

import pytest

from dataops_platform.definitions import build_definitions
from dataops_platform.job import run as job_run
from dataops_platform.orchestration import databricks_task
from dataops_platform.orchestration.resources.compute import compute_resource
from dataops_platform.settings import DatabricksSettings, Settings
from dataops_platform.storage.spark_delta import SparkDeltaTables, written_from_commit
from dataops_platform.storage.tables import Written
from dataops_platform_tests.databricks.workspace import RecordingWorkspace, sign_in


def graph(settings: Settings) -> dict:
    defs = build_definitions(settings)
    asset_graph = defs.resolve_asset_graph()
    return {
        "assets": {k.to_user_string(): asset_graph.get(k).code_version for k in asset_graph.get_all_asset_keys()},
        "checks": sorted(k.to_user_string() for k in asset_graph.asset_check_keys),
        "resources": sorted(defs.resources),
        "engine": defs.resources["compute"].engine,
    }


def test_switching_the_engine_changes_no_asset_check_or_code_version(tmp_path):
    base = dict(intake_root=str(tmp_path / "intake"), lake_root=str(tmp_path / "lake"))
    local = graph(Settings(**base))
    assert local.pop("engine") == "local"
    for engine, databricks in (
        ("databricks", DatabricksSettings()),
        ("databricks", DatabricksSettings(client="serverless")),
        ("databricks", DatabricksSettings(existing_cluster_id="0101-123456-abcdef")),
        ("subprocess", DatabricksSettings()),
    ):
        other = graph(Settings(**base, engine=engine, databricks=databricks))
        assert other.pop("engine") == engine
        assert other == local
    assert "compute" in local["resources"]
    assert all(v for k, v in local["assets"].items() if k.split("/")[0] in ("silver", "quarantine", "gold"))
    assert "silver/customers:validity" in local["checks"]


def test_settings_read_the_environment(monkeypatch):
    monkeypatch.setenv("DATAOPS_ENGINE", "databricks")
    monkeypatch.setenv("DATAOPS_DATABRICKS_CLIENT", "serverless")
    monkeypatch.setenv("DATAOPS_DATABRICKS_VOLUME", "/Volumes/main/ops/pipes")
    monkeypatch.setenv("DATAOPS_DATABRICKS_LIBRARIES", "dagster-pipes==1.13.27, pandera==0.35.1")
    monkeypatch.setenv(
        "DATAOPS_DATABRICKS_CLUSTER",
        '{"spark_version": "17.3.x-scala2.13", "instance_pool_id": "p-1", "num_workers": 4}',
    )
    settings = Settings.from_env()
    assert settings.engine == "databricks"
    assert settings.databricks.client == "serverless" and settings.databricks.volume_path == "/Volumes/main/ops/pipes"
    assert settings.databricks.libraries == ("dagster-pipes==1.13.27", "pandera==0.35.1")
    assert settings.databricks.cluster["num_workers"] == 4


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATAOPS_ENGINE", "spark", "DATAOPS_ENGINE must be one of"),
        ("DATAOPS_DATABRICKS_CLIENT", "jobs", "DATAOPS_DATABRICKS_CLIENT must be one of"),
        ("DATAOPS_DATABRICKS_CLUSTER", "{not json", "DATAOPS_DATABRICKS_CLUSTER must be a JSON object"),
        ("DATAOPS_DATABRICKS_TABLES", "parquet", "DATAOPS_DATABRICKS_TABLES must be one of"),
    ],
)
def test_bad_settings_name_the_variable(monkeypatch, variable, value, message):
    monkeypatch.setenv("DATAOPS_ENGINE", "databricks")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=message):
        Settings.from_env()


def test_serverless_needs_a_volume():
    with pytest.raises(ValueError, match="DATAOPS_DATABRICKS_VOLUME"):
        DatabricksSettings(client="serverless", volume_path="/tmp/pipes").validate()


@pytest.mark.parametrize(
    ("cluster", "message"),
    [
        ({"spark_version": "17.3.x-scala2.13", "num_workers": 1}, "must name a node_type_id or an instance_pool_id"),
        ({"node_type_id": "i3.xlarge", "num_workers": 1}, "must name a spark_version"),
    ],
)
def test_a_new_cluster_needs_a_runtime_and_a_node_type_or_pool(cluster, message):
    with pytest.raises(ValueError, match=f"DATAOPS_DATABRICKS_CLUSTER {message}"):
        DatabricksSettings(cluster=cluster).validate()
    DatabricksSettings(cluster=cluster, existing_cluster_id="0101-1").validate()  # the spec is not used then
    DatabricksSettings(cluster=cluster, client="serverless").validate()
    DatabricksSettings(cluster={**cluster, "spark_version": "17.3.x", "instance_pool_id": "p-1"}).validate()


@pytest.mark.parametrize("root", ["s3://lake-bucket/dataops/lake", "/Volumes/main/dataops/lake", "/dbfs/dataops/lake"])
def test_the_cluster_lake_root_may_be_a_driver_path_or_an_s3_uri(monkeypatch, root):
    monkeypatch.setenv("DATAOPS_ENGINE", "databricks")
    monkeypatch.setenv("DATAOPS_DATABRICKS_LAKE_ROOT", root)
    settings = Settings.from_env()
    assert settings.databricks.lake_root == root
    assert compute_resource(settings).lake_root == root  # what the job receives, unchanged


@pytest.mark.parametrize(
    ("root", "message"),
    [
        ("s3://Bad_Bucket/lake", "DATAOPS_DATABRICKS_LAKE_ROOT: .* not a valid S3 bucket name"),
        ("dbfs:/dataops/lake", "DATAOPS_DATABRICKS_LAKE_ROOT must be an absolute path"),
        ("abfss://lake@account.dfs.core.windows.net/x", "DATAOPS_DATABRICKS_LAKE_ROOT must be an absolute path"),
        ("Volumes/main/lake", "DATAOPS_DATABRICKS_LAKE_ROOT must be an absolute path"),
    ],
)
def test_a_cluster_lake_root_the_job_cannot_open_is_refused(root, message):
    with pytest.raises(ValueError, match=message):
        DatabricksSettings(lake_root=root).validate()


def test_the_job_opens_an_s3_lake_as_an_s3_uri(s3):
    """s3:// stays a URI end to end: the job's bronze store, table URIs and delta-rs options."""
    extras = {"lake_root": s3.lake_root, "intake_root": s3.intake_root, "tables": "delta_rs"}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL_S3", s3.endpoint)
        lake = job_run.job_lake(None, extras)
    assert lake.lake_root == s3.lake_root.rstrip("/") and lake.silver_uri("customers").startswith("s3://")
    assert lake.silver_uri("customers") == f"{s3.lake_root.rstrip('/')}/silver/customers"
    assert repr(lake.bronze.lake) == f"S3ObjectStore({s3.lake_root.rstrip('/')!r})"
    lake.bronze.lake.write("probe/object.txt", b"x")  # through the endpoint boto3 read from the environment
    assert lake.bronze.lake.read_bytes("probe/object.txt") == b"x"
    assert lake.tables.storage_options["AWS_ENDPOINT_URL"] == s3.endpoint


def test_the_job_reads_volume_paths_through_the_driver_mount(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAOPS_FUSE_ROOT", str(tmp_path))
    lake = job_run.job_lake(None, {"lake_root": "/Volumes/main/dataops/lake", "tables": "delta_rs"})
    assert lake.silver_uri("customers") == f"{tmp_path}/Volumes/main/dataops/lake/silver/customers"
    monkeypatch.delenv("DATAOPS_FUSE_ROOT")
    assert job_run.job_lake(None, {"lake_root": "/Volumes/main/dataops/lake", "tables": "delta_rs"}).lake_root == (
        "/Volumes/main/dataops/lake"
    )


def test_cluster_libraries_are_the_package_runtime_requirements_without_pyspark():
    requirements = databricks_task.runtime_requirements()
    names = [r.split("<")[0].split(">")[0].split("=")[0] for r in requirements]
    assert names == ["dagster-pipes", "deltalake", "pandera", "pydantic", "pyyaml"]
    assert not any("pyspark" in r or "[" in r for r in requirements)


def test_serverless_task_uses_an_environment():
    settings = DatabricksSettings(client="serverless", environment_version="3")
    task = databricks_task.submit_task(settings)
    assert task["environment_key"] == "dataops" and "libraries" not in task and "new_cluster" not in task
    assert task["spark_python_task"]["parameters"][-1] == "volumes"
    [environment] = databricks_task.submit_args(settings)["environments"]
    assert environment["spec"]["environment_version"] == "3"
    assert environment["spec"]["dependencies"] == databricks_task.runtime_requirements()


def test_job_reads_the_partition_range_and_types_the_metadata():
    pipes = SimpleNamespace(partition_key_range={"start": "2026-02-27", "end": "2026-03-02"})
    assert job_run.partition_dates(pipes) == [
        dt.date(2026, 2, 27),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 2),
    ]
    typed = job_run.pipes_metadata({"n": 3, "f": 0.5, "s": "x", "j": {"a": [1]}, "l": [1], "b": True, "z": None})
    assert {k: v["type"] for k, v in typed.items()} == {
        "n": "int",
        "f": "float",
        "s": "text",
        "j": "json",
        "l": "json",
        "b": "bool",
        "z": "null",
    }


def test_entrypoint_outside_dagster_says_so():
    done = subprocess.run(
        [sys.executable, "-m", "dataops_platform.job.entrypoint"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "no Dagster Pipes context" in done.stderr


# --- SparkDeltaTables ----------------------------------------------------------------------


class ParquetTables(SparkDeltaTables):
    """The read-side figures on plain Parquet (the same Spark code as on Delta)."""

    def read(self, spark, uri):
        return spark.read.parquet(uri)


def test_spark_tables_figures(spark, tmp_path):
    rows = [(1, "a", dt.date(2026, 1, 1)), (1, None, dt.date(2026, 1, 2)), (2, None, dt.date(2026, 1, 2))]
    spark.createDataFrame(rows, "id int, name string, _ingestion_date date").write.parquet(str(tmp_path / "t"))
    tables, uri = ParquetTables(spark), str(tmp_path / "t")
    assert tables.row_count(uri) == 3
    assert tables.null_counts(uri, ["name", "id"]) == (3, {"name": 2, "id": 0})
    assert tables.key_counts(uri, ["id"]) == (3, 2)
    assert tables.rows_for_ingestion_date(uri, dt.date(2026, 1, 2)) == 2


class Recorder:
    """Stands in for the `delta` package's DeltaTable and a DataFrame's writer, recording calls."""

    def __init__(self, spark, commits: list):
        self.spark, self.commits, self.calls = spark, commits, []
        self.merge_commits = True  # Delta may skip the commit of a merge that changes nothing

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            if name == "execute" and self.merge_commits:
                self.commits.append(
                    ("MERGE", {"numSourceRows": "5", "numTargetRowsInserted": "2", "numTargetRowsUpdated": "1"})
                )
            if name == "save":
                self.commits.append(("WRITE", {"numOutputRows": "4"}))
            return self

        return call

    def detail(self):
        return self.spark.createDataFrame([(1234,)], "sizeInBytes long")

    def history(self, limit):
        version = len(self.commits) - 1
        operation, metrics = self.commits[-1]
        return self.spark.createDataFrame(
            [(version, operation, metrics)], "version long, operation string, operationMetrics map<string,string>"
        )


@pytest.fixture
def delta_stand_in(spark, monkeypatch):
    commits: list = [("WRITE", {"numOutputRows": "9"})]
    recorder = Recorder(spark, commits)
    module = types.ModuleType("delta.tables")
    module.DeltaTable = SimpleNamespace(forPath=lambda s, uri: recorder, isDeltaTable=lambda s, uri: True)
    monkeypatch.setitem(sys.modules, "delta", types.ModuleType("delta"))
    monkeypatch.setitem(sys.modules, "delta.tables", module)
    frame = SimpleNamespace(alias=lambda name: f"source as {name}", write=recorder, count=lambda: 5)
    return SimpleNamespace(recorder=recorder, frame=frame, tables=SparkDeltaTables(spark))


def test_spark_merge_has_merge_latest_semantics(delta_stand_in):
    written = delta_stand_in.tables.merge_latest("/lake/silver/x", delta_stand_in.frame, ["id", "day"], "_v", "_h", [])
    calls = {name: (args, kwargs) for name, args, kwargs in delta_stand_in.recorder.calls}
    assert calls["merge"][0] == ("source as s", "t.`id` = s.`id` AND t.`day` = s.`day`")
    assert calls["whenMatchedUpdateAll"][1] == {"condition": "s.`_v` > t.`_v` AND s.`_h` <> t.`_h`"}
    assert "whenNotMatchedInsertAll" in calls and "execute" in calls and "withSchemaEvolution" in calls
    assert written == Written(version=1, source_rows=5, inserted=2, updated=1)


def test_spark_replace_where_overwrites_only_the_predicate(delta_stand_in):
    written = delta_stand_in.tables.replace_where("/lake/q", delta_stand_in.frame, "_ingestion_date = '2026-01-02'", [])
    calls = [(name, args) for name, args, _ in delta_stand_in.recorder.calls]
    assert calls == [
        ("format", ("delta",)),
        ("mode", ("overwrite",)),
        ("option", ("replaceWhere", "_ingestion_date = '2026-01-02'")),
        ("option", ("mergeSchema", "true")),  # a column new to the table (e.g. `_rescued_data`) is added
        ("save", ("/lake/q",)),
    ]
    assert written == Written(version=1, source_rows=4, inserted=4)


def test_a_merge_that_commits_nothing_reports_the_source_rows(delta_stand_in):
    delta_stand_in.recorder.merge_commits = False
    written = delta_stand_in.tables.merge_latest("/lake/silver/x", delta_stand_in.frame, ["id"], "_v", "_h", [])
    assert written == Written(version=0, source_rows=5)


def test_spark_table_size_and_version(delta_stand_in):
    assert delta_stand_in.tables.size_bytes("/lake/gold/x") == 1234
    assert delta_stand_in.tables.version("/lake/gold/x") == 0


def test_commit_metrics_map_to_written():
    assert written_from_commit(3, "MERGE", {}) == Written(3, 0, 0, 0)
    assert written_from_commit(7, "WRITE", {"numOutputRows": "12"}) == Written(7, 12, 12, 0)


def test_deploy_uploads_to_a_volume_dbfs_or_a_workspace_folder(tmp_path, monkeypatch):
    """Each kind of artifacts path goes to its API, through the real SDK client."""
    from dataops_platform.cli import databricks as cli_databricks

    sign_in(monkeypatch, "dapi-deploy-test")
    with RecordingWorkspace(tmp_path) as workspace:
        for path in ("/Volumes/main/dataops/artifacts/a.whl", "dbfs:/dataops/a.whl", "/Workspace/Shared/dataops/a.whl"):
            cli_databricks.upload(workspace.client(), path, b"wheel")
        assert [c for c in workspace.calls() if not c.startswith("POST /api/2.0/dbfs/add")] == [
            "PUT /api/2.0/fs/files/Volumes/main/dataops/artifacts/a.whl",
            "POST /api/2.0/dbfs/create",
            "POST /api/2.0/dbfs/close",
            "POST /api/2.0/workspace/mkdirs",
            "POST /api/2.0/workspace/import",
        ]
        assert workspace.uploaded == dict.fromkeys(
            ["/Volumes/main/dataops/artifacts/a.whl", "/dataops/a.whl", "/Workspace/Shared/dataops/a.whl"], b"wheel"
        )
