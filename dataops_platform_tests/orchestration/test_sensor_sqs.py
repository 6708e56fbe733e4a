"""The SQS intake sensor against moto's S3 -> SQS event notifications and a real Dagster
instance: duplicate and out-of-order events are harmless, messages are deleted only on the
tick after their run requests were recorded."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from urllib.parse import quote_plus

import dagster as dg
import pytest

from dataops_platform.definitions import build_definitions
from dataops_platform.orchestration.sensors.sqs import created_objects
from dataops_platform_tests.support.intake_helpers import bronze_identities, launch, s3_settings, tick

TODAY = dt.datetime.now(dt.timezone.utc).date()


@pytest.fixture
def queue(s3) -> str:
    """A queue receiving the intake bucket's ObjectCreated notifications (moto's test event drained)."""
    url = s3.sqs.create_queue(QueueName=f"intake-events-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = s3.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.client.put_bucket_notification_configuration(
        Bucket=s3.intake_bucket,
        NotificationConfiguration={"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]},
    )
    drain(s3, url)
    return url


def drain(s3, url: str) -> None:
    """Delete every visible message (PurgeQueue is allowed once a minute)."""
    while messages := s3.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            s3.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def in_queue(s3, url: str) -> int:
    """Messages not deleted yet, visible or in flight."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = s3.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[n]) for n in names)


def event(bucket: str, key: str, etag: str) -> str:
    record = {
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key), "eTag": etag}},
    }
    return json.dumps({"Records": [record]})


def put(s3, key: str, body: bytes) -> tuple[str, str]:
    etag = s3.client.put_object(Bucket=s3.intake_bucket, Key=f"landing/{key}", Body=body)["ETag"]
    return key, etag.strip('"')


def files_of(request) -> set[tuple[str, str]]:
    [config] = request.run_config["ops"].values()
    return {(f["key"], f["version"]) for f in config["config"]["files"]}


def test_notifications_become_one_run_per_dataset_and_are_deleted_on_the_next_tick(s3, queue, tmp_path):
    # bronze only: the test files are not valid datasets, and this test is about the SQS intake
    defs = build_definitions(s3_settings(s3, tmp_path, intake_queue_url=queue, intake_runs="bronze"))
    sensor = defs.resolve_sensor_def("intake_sqs")
    store = defs.resources["lake"].bronze
    a = put(s3, "crm/customers/a b.csv", b"customer_id\nC1\n")
    put(s3, "crm/customers/a b.csv", b"customer_id\nC1\n")  # the same content again: a duplicate event
    b = put(s3, "crm/customers/b.csv", b"customer_id\nC2\n")
    t = put(s3, "payments/transactions/t.csv", b"transaction_id\nT1\n")
    put(s3, "crm/customers/bad\\key.csv", b"unsafe: logged and skipped")
    put(s3, "elsewhere/x.csv", b"no dataset")
    with dg.instance_for_test() as instance:
        first = tick(sensor, instance, defs, None)
        assert {r.asset_selection[0].path[-1]: files_of(r) for r in first.run_requests} == {
            "customers": {a, b},
            "transactions": {t},
        }
        assert {r.job_name for r in first.run_requests} == {"ingest_bronze"}
        assert in_queue(s3, queue) == 6  # received, not deleted: the requests are not recorded yet
        launch(defs, instance, sensor.name, first.run_requests)

        second = tick(sensor, instance, defs, first.cursor)
        assert second.run_requests == [] and in_queue(s3, queue) == 0

        s3.sqs.send_message(QueueUrl=queue, MessageBody=event(s3.intake_bucket, f"landing/{a[0]}", a[1]))
        third = tick(sensor, instance, defs, second.cursor)  # redelivered: requested recently
        forgetful = json.dumps({**json.loads(third.cursor), "recent": {}})
        s3.sqs.send_message(QueueUrl=queue, MessageBody=event(s3.intake_bucket, f"landing/{a[0]}", a[1]))
        fourth = tick(sensor, instance, defs, forgetful)  # long after: bronze has it
        assert third.run_requests == [] and fourth.run_requests == []

        old, new = (
            put(s3, "crm/customers/b.csv", b"customer_id\nC2 v2\n"),
            put(s3, "crm/customers/b.csv", b"customer_id\nC2 v3\n"),
        )
        drain(s3, queue)  # deliver the overwrite's events newest first instead
        for key, etag in (new, old):
            s3.sqs.send_message(QueueUrl=queue, MessageBody=event(s3.intake_bucket, f"landing/{key}", etag))
        fifth = tick(sensor, instance, defs, fourth.cursor)
        assert [files_of(r) for r in fifth.run_requests] == [{old, new}]
        [result], _ = launch(defs, instance, sensor.name, fifth.run_requests)
        metadata = result.asset_materializations_for_node("bronze__customers")[0].metadata
        assert metadata["files_ingested"].value == 1 and metadata["files_superseded"].value == 1

    copies = bronze_identities(store, "crm", "customers", [TODAY])
    assert set(copies) == {a, b, new} and set(copies.values()) == {1}


def test_event_messages_are_parsed_defensively():
    wrapped = json.dumps({"Type": "Notification", "Message": event("bkt", "landing/a b+c.csv", "e1")})
    assert created_objects(wrapped) == [("bkt", "landing/a b+c.csv", "e1")]
    assert created_objects(json.dumps({"Event": "s3:TestEvent"})) == []
    assert created_objects("not json") == [] and created_objects("[1]") == []
    removed = json.dumps({"Records": [{"eventName": "ObjectRemoved:Delete", "s3": {}}]})
    assert created_objects(removed) == []
