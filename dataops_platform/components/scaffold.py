"""`dg scaffold defs dataops_platform.components.Dataset NAME`: a defs.yaml and a contract that
load as they are (`dg check defs` passes) and say, field by field, what to fill in."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dataops_platform.profiling.files import model_name, schema_ref, title, write_dataset_files

DEFS_TEMPLATE = """\
# {name}: describe the feed here (who sends it, how often, what one row is).
type: {type_name}

attributes:
  name: {name}                      # must be the folder name
  description: "{title} from the source system; one row per record."   # one line for the catalog
  domain: {domain}                  # groups datasets in the catalog (tag "domain")
  source: {source}                  # the source system: part of the bronze path
  owners: ["team:{source}"]          # emails or team:<name>
  intake:
    prefix: {source}/{name}/        # folder (or S3 prefix) under the intake root
    pattern: "*.csv"
  format: csv                       # csv | jsonl
  primary_key: [{name}_id]          # columns of schema.py; the schema's Config.unique must match
  event_time: updated_at            # the latest event time wins among versions of a key
  partitioning:
    ingestion: daily
    table_by_month_of: updated_at   # Delta partitions: year and month of this column
  critical_columns: [{name}_id, updated_at]   # completeness is checked on these
  pii_columns: []                   # masked in samples, previews and alerts
  schema: {schema_ref}
  contract_version: "1.0"          # MAJOR.MINOR: bump MAJOR for a breaking schema change (dataops contracts check)
  # cleansing: {{lowercase: [...], values: {{column: {{alias: standard}}}}}}
  # references: {{column: {{dataset: other_dataset, column: its_key}}}}
  # quality: per-dimension severities and thresholds (README, "Quality gates")
"""

SCHEMA_TEMPLATE = '''"""Contract of the silver `{name}` table: add one field per column of the feed."""

import pandera.pyspark as pa
import pyspark.sql.types as T


class {model}(pa.DataFrameModel):
    """{title}: one row per {name} record at its latest version."""

    {name}_id: T.StringType() = pa.Field(nullable=False, description="Identifier of the record.")
    updated_at: T.TimestampType() = pa.Field(nullable=False, description="When the record last changed (UTC).")

    class Config:
        unique = ["{name}_id"]
'''


class DatasetScaffolder(dg.Scaffolder):
    """Writes `<name>/defs.yaml` and `<name>/schema.py` for a new dataset."""

    def scaffold(self, request: dg.ScaffoldRequest) -> None:
        folder = Path(request.target_path)
        name = folder.name
        defs_yaml = DEFS_TEMPLATE.format(
            name=name,
            title=title(name),
            type_name=request.type_name,
            domain="default",
            source="source_system",
            schema_ref=schema_ref(folder, Path(request.project_root or Path.cwd())),
        )
        schema_py = SCHEMA_TEMPLATE.format(name=name, model=model_name(name), title=title(name))
        write_dataset_files(folder, defs_yaml, schema_py)
