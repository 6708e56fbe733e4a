"""The step retry policy: transient store and network errors are retried with backoff until the
policy is exhausted; bad input, bugs, a deliberate Failure and a failed blocking check are not."""

from __future__ import annotations

import dagster as dg
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from deltalake.exceptions import DeltaError

from dataops_platform.orchestration import retries
from dataops_platform.storage.objects import StoreUnavailable


def _throttled() -> ClientError:
    return ClientError({"Error": {"Code": "SlowDown"}, "ResponseMetadata": {"HTTPStatusCode": 503}}, "PutObject")


def _wrapped(error: Exception) -> Exception:
    try:
        try:
            raise error
        except Exception as inner:
            raise RuntimeError("silver step failed") from inner
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    "error, transient",
    [
        (StoreUnavailable("S3 endpoint did not answer"), True),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), True),
        (ConnectionResetError(104, "Connection reset by peer"), True),
        (_throttled(), True),
        (
            DeltaError(
                "Generic S3 error: Error performing GET ... after 3 retries - HTTP error: error sending request"
            ),
            True,
        ),
        (_wrapped(StoreUnavailable("lost")), True),
        (
            ClientError({"Error": {"Code": "AccessDenied"}, "ResponseMetadata": {"HTTPStatusCode": 403}}, "GetObject"),
            False,
        ),
        (FileNotFoundError("no such file: bronze/x.csv"), False),
        (ValueError("column amount missing"), False),
        (dg.Failure("2 file(s) could not be copied"), False),
    ],
)
def test_only_transient_errors_are_retryable(error, transient):
    assert retries.is_transient(error) is transient


def _run(raises: Exception, blocking_check_fails: bool = False) -> tuple[dg.ExecuteInProcessResult, list]:
    attempts = []

    @dg.asset(
        retry_policy=retries.transient_retries(),
        check_specs=[dg.AssetCheckSpec("gate", asset="step", blocking=True)],
    )
    def step():
        attempts.append(1)
        if len(attempts) <= 2 and raises is not None:  # fails twice, then works
            raise raises
        yield dg.MaterializeResult()
        yield dg.AssetCheckResult(check_name="gate", passed=not blocking_check_fails)

    with dg.instance_for_test() as instance:
        result = dg.materialize([step], instance=instance, raise_on_error=False)
    return result, attempts


@pytest.fixture(autouse=True)
def no_wait(monkeypatch):
    monkeypatch.setattr(retries, "DELAY_SECONDS", 0.01)


def test_a_transient_error_heals_within_the_policy():
    result, attempts = _run(StoreUnavailable("S3 endpoint http://127.0.0.1:9 did not answer PutObject"))
    assert result.success and len(attempts) == 3
    retried = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    assert len(retried) == 2


def test_an_exhausted_policy_fails_with_the_cause(monkeypatch):
    monkeypatch.setattr(retries, "MAX_RETRIES", 1)
    result, attempts = _run(_throttled())
    assert not result.success and len(attempts) == 2
    [failure] = result.get_step_failure_events()
    error = failure.step_failure_data.error
    assert "Exceeded max_retries of 1" in error.message and "SlowDown" in error.cause.message


@pytest.mark.parametrize(
    "raises", [ValueError("column amount missing"), dg.Failure("2 file(s) could not be copied")], ids=["bug", "failure"]
)
def test_other_errors_fail_at_once_naming_the_cause(raises):
    result, attempts = _run(raises)
    assert not result.success and len(attempts) == 1
    [failure] = result.get_step_failure_events()
    error = failure.step_failure_data.error
    assert str(raises) in error.message + (error.cause.message if error.cause else "")


def test_a_failed_blocking_check_is_not_retried():
    result, attempts = _run(None, blocking_check_fails=True)
    assert not result.success and len(attempts) == 1
    [failure] = result.get_step_failure_events()
    assert failure.step_failure_data.error.cls_name == "DagsterAssetCheckFailedError"


def test_the_production_policy(monkeypatch):
    monkeypatch.undo()  # the values as shipped, not the fast ones of these tests
    policy = retries.transient_retries()
    assert (policy.max_retries, policy.delay, policy.backoff, policy.jitter) == (
        4,
        10.0,
        dg.Backoff.EXPONENTIAL,
        dg.Jitter.PLUS_MINUS,
    )
