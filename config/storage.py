"""The cloud storage the ad tech and the aggregation service share: a local folder per bucket.

On Google Cloud or AWS the ad tech writes its report batches to a storage bucket, the service
reads them there and writes the summary back to it; neither reaches into the other. Here each
bucket is a folder under ``var/aggregation/buckets/`` (the storage of the aggregation's
deployment), and this module is the storage's only address book.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def buckets_root() -> Path:
    """The folder that plays the cloud storage: one sub-folder per bucket."""
    return Path(settings.VAR_DIR) / "aggregation" / "buckets"


def bucket_root(bucket: str) -> Path:
    """One bucket's folder (the caller checks the name)."""
    return buckets_root() / bucket
