"""The periodic message checks: one Run per landscape whose pathways are confirmed in an iFlow.

Each check is a Run started through `engine.start_run` like a check a person starts, so it passes the gate
(one message check of a landscape at a time), shows in the landscape's runs with its calls and its failure,
and is executed by a worker; a check still under way is not started again.
"""

from __future__ import annotations

import logging

from pathways.errors import Refused
from pathways.models import Landscape, RunKind

logger = logging.getLogger(__name__)


def landscapes_to_check() -> list[Landscape]:
    from pathways.models.iflow import IFlowParameter

    confirmed = IFlowParameter.objects.present().filter(pathway__isnull=False, confirmed_at__isnull=False)
    return list(Landscape.objects.filter(pk__in=confirmed.values("landscape_id")).order_by("pk"))


def start_checks() -> dict[str, int]:
    """Start a message check of every landscape that has something to check; returns counts."""
    from pathways import engine
    from pathways.gate import Busy

    counts = {"started": 0, "busy": 0, "refused": 0, "not_queued": 0}
    for landscape in landscapes_to_check():
        try:
            run = engine.start_run(landscape, RunKind.TRAFFIC, None)
        except Busy:
            counts["busy"] += 1
        except Refused as refused:
            counts["refused"] += 1
            logger.warning("message check of landscape %s refused: %s", landscape.pk, refused.message)
        else:
            counts["not_queued" if run.state == "failed" else "started"] += 1
    logger.info("message checks: %(started)s started, %(busy)s under way, %(refused)s refused", counts)
    return counts
