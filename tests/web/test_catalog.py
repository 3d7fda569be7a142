from pathways import catalog


def test_there_are_four_pathways_two_inbound_and_two_outbound():
    assert list(catalog.PATHWAYS) == ["s4_to_cpi", "cpi_to_ssc", "ssc_to_cpi", "cpi_to_s4"]
    directions = [p.direction for p in catalog.PATHWAYS.values()]
    assert directions.count("inbound") == 2 and directions.count("outbound") == 2


def test_each_pathway_offers_both_methods_with_steps_and_artifacts():
    for pathway in catalog.PATHWAYS.values():
        assert set(pathway.methods) == {"basic", "certificate"}
        for method in pathway.methods.values():
            assert method.steps and method.artifacts
            assert all(step.fields for step in method.steps)


def test_defaults_follow_the_design_table():
    defaults = {p.key: p.default_method for p in catalog.PATHWAYS.values()}
    assert defaults == {
        "s4_to_cpi": "basic",
        "cpi_to_ssc": "certificate",
        "ssc_to_cpi": "certificate",
        "cpi_to_s4": "basic",
    }


def test_inbound_credentials_live_in_btp_and_outbound_in_cpi():
    for pathway in catalog.PATHWAYS.values():
        expected = catalog.BTP_SERVICE_KEY if pathway.is_inbound else catalog.CPI_SECURITY_MATERIAL
        assert pathway.credential_home == expected


def test_conditional_fields_name_an_existing_choice():
    for pathway in catalog.PATHWAYS.values():
        for method in pathway.methods:
            fields = {f.name: f for f in pathway.fields(method)}
            for spec in fields.values():
                if spec.when:
                    controller = fields[spec.when[0]]
                    assert spec.when[1] in dict(controller.choices)


def test_every_rule_named_in_the_catalog_exists():
    from pathways import validators

    for pathway in catalog.PATHWAYS.values():
        for spec in pathway.all_fields().values():
            assert not spec.rule or spec.rule in validators.RULES, spec.rule


def test_secret_fields_are_marked_secret():
    cpi_to_s4 = catalog.get("cpi_to_s4")
    assert cpi_to_s4.all_fields()["password"].is_secret
    assert cpi_to_s4.all_fields()["pkcs12"].is_secret
    assert not cpi_to_s4.all_fields()["user"].is_secret


def test_a_field_shared_by_both_methods_keeps_each_methods_default():
    s4 = catalog.get("s4_to_cpi")
    assert s4.field("key_name", "basic").default == "s4-key"
    assert s4.field("key_name", "certificate").default == "s4-cert-key"


def test_the_draft_shows_the_default_of_the_chosen_method(landscape):
    pathway = landscape.pathways.get(key="s4_to_cpi")
    assert pathway.method == "basic" and pathway.value("key_name") == "s4-key"
    pathway.method = "certificate"
    assert pathway.value("key_name") == "s4-cert-key"
