"""The Dagster glue: asset and check factories, keys, partitions, automation, resources and sensors."""
