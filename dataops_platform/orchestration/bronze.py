"""Bronze asset factory: a dataset's raw files copied unchanged, one metadata JSON each."""

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)
from pydantic import Field

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.orchestration import metadata as meta
from dataops_platform.orchestration.keys import bronze_key, intake_key
from dataops_platform.orchestration.partitions import partition_dates
from dataops_platform.orchestration.resources.lake import LakeResource
from dataops_platform.orchestration.retries import transient_retries
from dataops_platform.steps import bronze as bronze_step


class IntakeObject(Config):
    key: str = Field(description="Key relative to the intake root.")
    version: str = Field(description="ETag on S3, size-mtime in a local folder, as the sensor saw it.")


class BronzeConfig(Config):
    files: list[IntakeObject] = Field(
        default=[],
        description="Exactly these files, as requested by an intake sensor. Empty: every file of the "
        "dataset that landed (modification date, UTC) on the partition date.",
    )


def _ingest(
    context: AssetExecutionContext, config: BronzeConfig, lake: LakeResource, declaration: DatasetDeclaration
) -> bronze_step.BronzeOutcome:
    days = partition_dates(context)
    if not config.files:
        outcome = bronze_step.BronzeOutcome()
        for day in days:
            outcome.add(bronze_step.ingest_day(lake.bronze, lake.bronze.intake, declaration, day))
        return outcome
    if len(days) != 1:
        raise Failure(f"a run with an explicit file list covers one partition, not {len(days)}")
    return bronze_step.ingest_requested(lake.bronze, declaration, days[0], [(f.key, f.version) for f in config.files])


def _metadata(outcome: bronze_step.BronzeOutcome, trigger: str) -> dict:
    files = [
        {
            "file": f.path.name,
            "source_key": f.metadata["source_key"],
            "bytes": f.metadata["size_bytes"],
            "sha256": f.metadata["sha256"],
        }
        for f in outcome.ingested
    ]
    return {
        "files_ingested": len(outcome.ingested),
        "files_already_ingested": len(outcome.already_present),
        "files_superseded": len(outcome.superseded),
        "files_failed": MetadataValue.json(outcome.failed),
        "keys_rejected": MetadataValue.json(outcome.rejected),
        "bytes_ingested": outcome.bytes_ingested,
        "files": MetadataValue.json(files),
        "trigger": trigger,
    }


def _holds_files(lake: LakeResource, declaration: DatasetDeclaration, context: AssetExecutionContext) -> bool:
    """Whether any partition of the run holds a bronze file (a run by partition date over days
    where nothing landed records nothing, so silver does not run for empty days)."""
    source, name = declaration.source, declaration.name
    return any(lake.bronze.partition_files(source, name, day) for day in partition_dates(context))


def bronze_asset(declaration: DatasetDeclaration, partitions: PartitionsDefinition, lake_root: str) -> AssetsDefinition:
    """Raw files of the dataset, copied unchanged into bronze with a metadata JSON each."""
    name, source = declaration.name, declaration.source

    @asset(
        key=bronze_key(declaration),
        deps=[intake_key(declaration)],
        description=f"Raw `{name}` files from `{source}`, copied unchanged, one metadata JSON each.",
        group_name="bronze",
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        owners=declaration.owners,
        kinds={"file"},
        tags=meta.layer_tags("bronze", declaration.domain, bool(declaration.pii_columns)),
        code_version=meta.code_version(bronze_step, declaration.source_text),
        pool=f"bronze_{name}",  # one writer of the dataset's bronze files and ledger at a time
        retry_policy=transient_retries(),  # transient store/network errors only (orchestration/retries.py)
        output_required=False,  # nothing recorded when no file is new (sensor) or none landed (dates)
        metadata={
            "dagster/uri": MetadataValue.path(f"{lake_root}/bronze/source={source}/dataset={name}/"),
            "layout": "ingestion_date=YYYY/MM/DD/<timestamp>_<file> + <file>.metadata.json",
        },
    )
    def _bronze(context: AssetExecutionContext, config: BronzeConfig, lake: LakeResource):
        outcome = _ingest(context, config, lake, declaration)
        for reason in outcome.rejected:
            context.log.warning(reason)
        for key in outcome.superseded:
            context.log.warning(f"{key}: the requested version was overwritten or deleted before it was copied")
        context.log.info(
            f"{name}: {len(outcome.ingested)} file(s) ingested, {len(outcome.already_present)} already in bronze"
        )
        if outcome.ingested or (not config.files and _holds_files(lake, declaration, context)):
            yield MaterializeResult(metadata=_metadata(outcome, "sensor" if config.files else "partition date"))
        else:
            context.log.info("no bronze file: no materialization is recorded, so nothing downstream runs for it")
        if outcome.failed:  # after the other files are recorded; the intake sensors request these again
            raise Failure(f"{len(outcome.failed)} file(s) could not be copied: {outcome.failed[:5]}")

    return _bronze
