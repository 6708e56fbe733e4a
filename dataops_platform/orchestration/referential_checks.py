"""Consistency checks: a silver table's foreign keys point at existing rows of another table."""

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetChecksDefinition, asset_check
from dagster_pyspark import LazyPySparkResource

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.orchestration.check_results import check_result, log_failures
from dataops_platform.orchestration.keys import silver_key
from dataops_platform.orchestration.resources.lake import LakeResource
from dataops_platform.quality import checks
from dataops_platform.quality.checks import CHECK_DESCRIPTIONS
from dataops_platform.steps.referential import orphan_counts


def consistency_check(declaration: DatasetDeclaration) -> AssetChecksDefinition:
    """Counts orphan references of every declared foreign key of the dataset."""
    name, spec = declaration.name, declaration.quality.consistency
    parents = sorted({ref.dataset for ref in declaration.references.values()})
    targets = ", ".join(f"{c} -> {r.dataset}.{r.column}" for c, r in declaration.references.items())

    @asset_check(
        asset=silver_key(name),
        name="consistency",
        description=f"[{spec.severity}] {CHECK_DESCRIPTIONS['consistency']} ({targets})",
        additional_deps=[silver_key(p) for p in parents],
        blocking=spec.severity == "ERROR",
    )
    def _consistency(
        context: AssetCheckExecutionContext, spark: LazyPySparkResource, lake: LakeResource
    ) -> AssetCheckResult:
        tables, session = lake.tables, spark.spark_session
        child = tables.read(session, lake.silver_uri(name))
        figures = {}
        for column, ref in declaration.references.items():
            parent_uri = lake.silver_uri(ref.dataset)
            if not tables.exists(parent_uri):
                raise RuntimeError(f"silver {ref.dataset} does not exist yet: materialize it before checking {name}")
            parent = tables.read(session, parent_uri)
            figures[column] = orphan_counts(child, column, parent, ref.column)
        outcome = checks.consistency(figures, spec)
        log_failures(context.log, silver_key(name), [outcome])
        return check_result(silver_key(name), outcome)

    return _consistency
