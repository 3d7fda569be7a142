"""Which rights each pathway needs, read against the landscape's latest check: Apply waits for them.

The rights are the credential shape's (pathways/shapes/): the it-rt key needs Cloud Foundry and the runtime,
User Credentials and key pairs need a CPI token with the matching security-material role.
"""

from pathways import shapes


def needs(pathway) -> tuple[str, ...]:
    return shapes.of(pathway).rights


def missing_rights(pathway, check_result: dict | None) -> list[str]:
    """Sentences for the rights this pathway needs that the latest landscape check found missing."""
    if not check_result:
        return []
    wanted = set(needs(pathway))
    return [
        c["sentence"] for c in check_result.get("checks", []) if c["name"] in wanted and c["status"] != "ok"
    ]
