"""What createJob and getJob mean on the wire: job ids, statuses, return codes, output names.

From the service's API (``docs/api.md``) and its validators: both sides need them, the client
to build a request the service accepts and to read its answer, the service to check them.
"""

from __future__ import annotations

import string
from pathlib import PurePosixPath

CREATE_JOB_PATH = "/v1alpha/createJob"
GET_JOB_PATH = "/v1alpha/getJob"

# getJob's job_status.
RECEIVED, IN_PROGRESS, FINISHED = "RECEIVED", "IN_PROGRESS", "FINISHED"
RUNNING_STATUSES = (RECEIVED, IN_PROGRESS)
SUCCESS_CODES = ("SUCCESS", "SUCCESS_WITH_ERRORS")

# The service's rule (JobRequestIdCharactersValidator, JobRequestIdLengthValidator): at most
# 128 characters, each an ASCII letter, digit or punctuation mark other than "|" (the separator
# of its job keys). "/" is allowed: the pages link to such ids with a path converter.
JOB_REQUEST_ID_CHARACTERS = frozenset(string.ascii_letters + string.digits + string.punctuation) - {"|"}
JOB_REQUEST_ID_MAX_LENGTH = 128
JOB_REQUEST_ID_RULE = (
    "1 to 128 characters, each an ASCII letter, digit or punctuation mark other than '|' "
    "(no spaces, control or non-ASCII characters)"
)


def is_valid_job_request_id(job_id: object) -> bool:
    """The service's rule: see :data:`JOB_REQUEST_ID_CHARACTERS`."""
    return (
        isinstance(job_id, str)
        and 0 < len(job_id) <= JOB_REQUEST_ID_MAX_LENGTH
        and JOB_REQUEST_ID_CHARACTERS.issuperset(job_id)
    )


def output_shard_name(prefix: str) -> str:
    """``<prefix>-1-of-1``, keeping a final ``.avro``: where a one-shard summary is written."""
    path = PurePosixPath(prefix)
    if path.suffix == ".avro":
        return str(path.with_name(f"{path.stem}-1-of-1.avro"))
    return str(path.with_name(f"{path.name}-1-of-1"))


def debug_output_name(output: str) -> str:
    """A debug run's debug summary: ``debug/`` beside the summary, same file name."""
    path = PurePosixPath(output)
    return str(path.parent / "debug" / path.name)
