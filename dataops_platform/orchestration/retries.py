"""Step retries that heal: a Dagster RetryPolicy (exponential backoff with jitter) that retries
only transient store and network errors, on the steps that can safely run again.

Dagster's op RetryPolicy retries on any exception (only a `Failure(allow_retries=False)` and
Dagster's own errors, such as a failed blocking check, bypass it). `TransientRetryPolicy`
decides from the exception being handled when Dagster asks it for the delay: a transient error
(`StoreUnavailable`, throttling, a reset or refused connection, a lost response, a timeout, a
Delta commit that kept losing to concurrent writers) is retried after the backoff; anything
else (bad input, a bug, a `Failure` the step raised on purpose) fails the step at once as a
`Failure` whose cause is the original error. A failed blocking check never reaches the policy.

Why each step may run again (same inputs, same result, nothing doubled):
- bronze copy: a file is identified by key and ETag/version in the ingest ledger; a retry skips
  files already recorded and repairs a copy cut between its ledger entry and metadata file;
- silver: MERGE on the primary key keeps the greatest record version and rewrites a row only when
  its content changed; quarantine rows are replaced per ingestion date; one Delta commit each;
- gold: each as-of date is replaced in one commit (`replace_where` on the date);
- the quality report rewrites one HTML file from what the instance holds;
- maintenance: compaction and VACUUM find nothing to do the second time.

A run whose process died is not an op failure: the instance's run retries
(`run_retries` in deploy/dagster.production.yaml, not on asset or op failure) start it again.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointError
from dagster import Backoff, Failure, Jitter, RetryPolicy
from deltalake.exceptions import CommitFailedError, DeltaError

from dataops_platform.storage.objects import StoreUnavailable

MAX_RETRIES = 4  # after the first attempt
DELAY_SECONDS = 10.0  # base delay: about 10, 30, 70 and 150 s (each +/- 10 s), an outage of ~4 min is absorbed
TRANSIENT_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "SlowDown",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestTimeout",
    "RequestTimeoutException",
    "ServiceUnavailable",
    "InternalError",
}
# delta-rs (object_store) reports S3 failures as OSError/DeltaError text, e.g. "error sending request"
TRANSIENT_TEXT = re.compile(
    r"error sending request|connection (refused|reset|closed|aborted)|timed out|operation timeout|"
    r"slow ?down|throttl|too many requests|service unavailable|\b50[23]\b|broken pipe|after [1-9]\d* retries",
    re.IGNORECASE,
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and its causes (explicit `from`, then implicit context), each once."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _transient(error: BaseException) -> bool:
    if isinstance(error, (StoreUnavailable, ConnectionError, TimeoutError, EndpointError, HTTPClientError)):
        return True
    if isinstance(error, CommitFailedError):  # lost to concurrent writers more often than delta.py retries
        return True
    if isinstance(error, ClientError):
        response = error.response or {}
        status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return response.get("Error", {}).get("Code") in TRANSIENT_CODES or status == 429 or status >= 500
    if isinstance(error, (OSError, DeltaError)) and not isinstance(error, (FileNotFoundError, PermissionError)):
        return bool(TRANSIENT_TEXT.search(str(error)))
    return False


def is_transient(error: BaseException) -> bool:
    """Would the same step, run again in a moment, likely succeed? A `Failure` never (the step
    stopped on purpose); otherwise when the error or one of its causes is a transient one."""
    if isinstance(error, Failure):
        return False
    return any(_transient(e) for e in _chain(error))


class TransientRetryPolicy(RetryPolicy):
    """A RetryPolicy that retries transient errors only (see the module docstring)."""

    __slots__ = ()

    def calculate_delay(self, attempt_num: int):
        """Called by Dagster while it handles the step's exception: a non-transient one is raised
        again (a `Failure` or an interrupt as it is, any other as a Failure), so no retry follows."""
        error = sys.exc_info()[1]
        if error is not None and not is_transient(error):
            if isinstance(error, Failure) or not isinstance(error, Exception):
                raise error
            raise Failure(
                f"{type(error).__name__}: {error}",
                metadata={"retried": "no: not a transient store or network error"},
                allow_retries=False,
            ) from error
        return super().calculate_delay(attempt_num)


def transient_retries() -> RetryPolicy:
    """The retry policy of every idempotent step (read when the definitions are built)."""
    return TransientRetryPolicy(
        max_retries=MAX_RETRIES, delay=DELAY_SECONDS, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS
    )
