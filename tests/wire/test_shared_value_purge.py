"""Shared values in the database do not pile up: what ended is deleted by the periodic purge."""

import time

import pytest

from pathways import tasks
from pathways.engine.shared import DatabaseStore
from pathways.models import SharedValue

pytestmark = pytest.mark.django_db


def test_ended_tokens_leases_and_buckets_are_purged_and_live_ones_kept():
    store = DatabaseStore()
    store.save("token:live", "sealed", ttl=3600)
    store.save("token:ended", "sealed", ttl=3600)
    store.lease("lease:held", 3600)
    store.reserve("bucket:idle", 0.125, 0.25, now=time.time())
    long_ago = time.time() - 7200
    SharedValue.objects.filter(name__in=["token:ended", "bucket:idle"]).update(expires_at=long_ago)
    SharedValue.objects.filter(name="lease:held").update(expires_at=long_ago)

    assert tasks.purge_shared_values() == 2

    assert set(SharedValue.objects.values_list("name", flat=True)) == {"token:live", "lease:held"}
    assert store.load("token:live") == "sealed"


def test_the_purge_is_on_the_beat_schedule():
    entry = tasks.app.conf.beat_schedule["purge-shared-values"]
    assert entry["task"] == "pathways.tasks.purge_shared_values"
    assert entry["schedule"] == tasks.PURGE_SHARED_VALUES_EVERY_SECONDS
