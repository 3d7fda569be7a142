"""An unchanged re-apply writes nothing and reads each remote artifact once."""

import collections
import re

import pytest

from .helpers import last_seq, run_now

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("key", "method"),
    [
        ("s4_to_cpi", "basic"),
        ("ssc_to_cpi", "certificate"),
        ("cpi_to_s4", "basic"),
        ("cpi_to_s4", "certificate"),
    ],
)
def test_unchanged_reapply_writes_nothing_and_reads_each_artifact_once(prepare, sandbox_server, key, method):
    pathway = prepare(key, method)
    assert run_now(pathway, "apply").state == "succeeded"
    start = last_seq(sandbox_server)
    run = run_now(pathway, "apply")
    assert run.state == "succeeded", run.message
    calls = [c for c in sandbox_server.calls(since=start) if c["kind"] in ("cf", "cpi")]
    assert [c for c in calls if c["method"] != "GET"] == []
    reads = collections.Counter(re.sub(r"\?.*", "", c["path"]) for c in calls)
    assert [path for path, count in reads.items() if count > 1] == []
