"""Fixtures for run tests: a landscape pointing at a fresh sandbox tenant, drafts per combination, fast
waits.
"""

from __future__ import annotations

import pytest

from tests.fixtures.drafts import COMBINATIONS, PKCS12_PASSPHRASE, S4_PASSWORD, SSC_PASSWORD  # noqa: F401
from tests.fixtures.worker import embedded_worker, use_folder_broker, wait_for  # noqa: F401 (re-exported)

TENANT_HOSTS = ("xsuaa", "xsuaa_cert", "cpi", "runtime")


@pytest.fixture
def add_fault(sandbox_server, sandbox_tenant):
    def add(**spec) -> dict:
        if spec.get("host") in TENANT_HOSTS or spec["kind"] in ("fail_job", "job_forever"):
            spec.setdefault("subdomain", sandbox_tenant["subdomain"])
        response = sandbox_server.admin("POST", "faults", spec)
        assert response.status_code == 201, response.text
        return response.json()

    return add


@pytest.fixture(scope="package")
def celery_worker(tmp_path_factory, django_db_setup, django_db_blocker):
    """A real Celery worker on Redis when REDIS_URL is set, else on the folder broker in a tmp dir."""
    import os

    import pathways.tasks  # noqa: F401 - registers the tasks
    from authwizard.celery import app

    before = {
        "broker_url": app.conf.broker_url,
        "broker_transport_options": dict(app.conf.broker_transport_options or {}),
    }
    use_folder_broker(app, tmp_path_factory.mktemp("broker"))
    app.control.purge()  # messages left by runs no worker took, e.g. from page tests
    # The embedded worker skips Django's system checks: URLs and views are not what these tests exercise.
    skip_checks = os.environ.get("CELERY_SKIP_CHECKS")
    os.environ["CELERY_SKIP_CHECKS"] = "1"
    try:
        with embedded_worker(app, django_db_blocker) as worker:
            yield worker
    finally:
        if not os.environ.get("REDIS_URL"):
            app.conf.update(before)  # later test folders find the app as configured
            app._pool = None
            app.amqp._producer_pool = None
        if skip_checks is None:
            os.environ.pop("CELERY_SKIP_CHECKS", None)
