"""Which rights each pathway needs, read against the landscape's latest check: Apply waits for them."""

NEEDS_INBOUND = ("cf_login", "cf_space_developer", "it_rt_plan", "runtime")
NEEDS_OUTBOUND = {
    "basic": ("cpi_token", "cpi_role_MonitoringDataRead", "cpi_role_CredentialsEdit"),
    "certificate": ("cpi_token", "cpi_role_MonitoringDataRead", "cpi_role_SecurityMaterialEdit"),
}


def needs(pathway) -> tuple[str, ...]:
    return NEEDS_INBOUND if pathway.spec.is_inbound else NEEDS_OUTBOUND[pathway.method]


def missing_rights(pathway, check_result: dict | None) -> list[str]:
    """Sentences for the rights this pathway needs that the latest landscape check found missing."""
    if not check_result:
        return []
    wanted = set(needs(pathway))
    return [
        c["sentence"] for c in check_result.get("checks", []) if c["name"] in wanted and c["status"] != "ok"
    ]
