"""The seeded integration content (D-51): a fixture copy of the SSCv2 ↔ S/4HANA master-data package, with
one iFlow per pathway and SAP-style externalized parameters (keys with spaces), deployed and started.

The package and iFlow ids are invented (marked `fixture`); the package name is the documented one (§16.7).
"""

from __future__ import annotations

PACKAGE_ID = "SSCv2S4HANAMasterDataFixture"
PACKAGE_NAME = "SAP Sales Cloud and SAP Service Cloud Version 2 Integration for Master Data with SAP S/4HANA"
CREATED_MS = "1700000000000"
S4_HOST = "s4.sandbox.localhost"
SSC_HOST = "ssc.sandbox.localhost"

SOAP, HTTPS = "SOAP", "HTTPS"


def _parameter(key: str, value: str, data_type: str = "xsd:string", description: str = "") -> dict:
    return {"ParameterKey": key, "ParameterValue": value, "DataType": data_type, "Description": description}


def _flow(
    flow_id: str,
    name: str,
    *,
    pathway: str,
    sender: str,
    receiver: str,
    sender_adapter: str,
    receiver_adapter: str,
    sender_address: str,
    receiver_url: str,
    receiver_auth: str,
    credential: str,
    alias: str,
    sender_authorization: str = "User Role",
) -> dict:
    return {
        "Id": flow_id,
        "Version": "1.0.3",
        "PackageId": PACKAGE_ID,
        "Name": name,
        "Description": f"{name} (fixture of the standard content; the {pathway} pathway is wired here)",
        "Sender": sender,
        "Receiver": receiver,
        "pathway": pathway,
        "sender_adapter": sender_adapter,
        "receiver_adapter": receiver_adapter,
        "draft": False,
        "configurations": [
            _parameter("Sender Address", sender_address, description="Relative endpoint address"),
            _parameter(
                "Sender Authorization", sender_authorization, description="User Role or Client Certificate"
            ),
            _parameter(
                "Sender User Role", "ESBMessaging.send", description="Role the inbound user must have"
            ),
            _parameter("Receiver Address", receiver_url, description="Receiver endpoint URL"),
            _parameter(
                "Receiver Authentication", receiver_auth, description="None, Basic or Client Certificate"
            ),
            _parameter(
                "Receiver Credential Name", credential, description="User Credentials artifact (Basic)"
            ),
            _parameter(
                "Receiver Private Key Alias", alias, description="Keystore alias (Client Certificate)"
            ),
            _parameter("Receiver Proxy Type", "Internet"),
            _parameter("Receiver Timeout", "60000", "xsd:integer", "Milliseconds"),
            _parameter("Enable Payload Logging", "false", "xsd:boolean"),
            _parameter("Replication Timer", "0 0/15 * ? * * *", "custom:schedule"),
        ],
    }


FLOWS = [
    # S/4HANA → CPI (inbound from S/4HANA: the sender side is the pathway's), on to SSCv2.
    _flow(
        "com.sap.fixture.ssc2.ReplicateProductFromS4HANA",
        "Replicate Product from SAP S4HANA",
        pathway="s4_to_cpi",
        sender="SAP_S4HANA",
        receiver="SAP_SSC_V2",
        sender_adapter=SOAP,
        receiver_adapter=HTTPS,
        sender_address="/S4HANA/ReplicateProduct",
        receiver_url=f"https://{SSC_HOST}/sap/c4c/api/v1/product-service/products",
        receiver_auth="Basic",
        credential="SSC_PRODUCT",
        alias="",
    ),
    # SSCv2 → CPI (inbound from SSCv2), on to S/4HANA.
    _flow(
        "com.sap.fixture.ssc2.ReplicateSalesQuoteFromSSC",
        "Replicate Sales Quote from SAP Sales Cloud V2",
        pathway="ssc_to_cpi",
        sender="SAP_SSC_V2",
        receiver="SAP_S4HANA",
        sender_adapter=HTTPS,
        receiver_adapter=SOAP,
        sender_address="/SSC/ReplicateSalesQuote",
        receiver_url=f"https://{S4_HOST}/sap/bc/srt/scs_ext/sap/salesquotationrequest",
        receiver_auth="Basic",
        credential="S4_QUOTE",
        alias="",
        sender_authorization="Client Certificate",
    ),
    # CPI → SSCv2 (outbound to SSCv2: the receiver side is the pathway's).
    _flow(
        "com.sap.fixture.ssc2.ReplicateCustomerFromS4HANA",
        "Replicate Customer from SAP S4HANA",
        pathway="cpi_to_ssc",
        sender="SAP_S4HANA",
        receiver="SAP_SSC_V2",
        sender_adapter=SOAP,
        receiver_adapter=HTTPS,
        sender_address="/S4HANA/ReplicateCustomer",
        receiver_url=f"https://{SSC_HOST}/sap/c4c/api/v1/account-service/accounts",
        receiver_auth="Client Certificate",
        credential="",
        alias="ssc_client_old",
    ),
    # CPI → S/4HANA (outbound to S/4HANA).
    _flow(
        "com.sap.fixture.ssc2.ReplicateBusinessPartnerToS4HANA",
        "Replicate Business Partner to SAP S4HANA",
        pathway="cpi_to_s4",
        sender="SAP_SSC_V2",
        receiver="SAP_S4HANA",
        sender_adapter=HTTPS,
        receiver_adapter=SOAP,
        sender_address="/SSC/ReplicateBusinessPartner",
        receiver_url=f"https://{S4_HOST}/sap/bc/srt/scs_ext/sap/businesspartnersuitebulkreplicatereq",
        receiver_auth="Basic",
        credential="S4_OLD",
        alias="",
    ),
]


def package() -> dict:
    return {
        "Id": PACKAGE_ID,
        "Name": PACKAGE_NAME,
        "Description": "<p>Fixture copy of the standard master-data integration (sandbox)</p>",
        "ShortText": "Master data between SAP Sales Cloud and SAP Service Cloud Version 2 and SAP S/4HANA",
        "Version": "1.0.3",
        "Vendor": "SAP",
        "Mode": "READ_ONLY",
        "SupportedPlatform": "[SAP Cloud Integration]",
        "CreatedBy": "sap_content",
        "ModifiedBy": "sap_content",
        "CreationDate": CREATED_MS,
        "ModifiedDate": CREATED_MS,
        "Products": "[SAP Sales Cloud, SAP Service Cloud, SAP S/4HANA]",
        "Keywords": "[]",
        "Countries": "[]",
        "Industries": "[]",
        "LineOfBusiness": "[Sales, Service]",
    }


def customer_package() -> dict:
    """A customer package without iFlows (Vendor "", Mode EDIT_ALLOWED), so that lists hold both kinds."""
    return {
        **package(),
        "Id": "AuthWizardFixtureCustomerPackage",
        "Name": "Customer Extensions (fixture)",
        "Description": "<p>Customer package</p>",
        "ShortText": "Customer package",
        "Version": "",
        "Vendor": "",
        "Mode": "EDIT_ALLOWED",
        "Products": "[]",
        "LineOfBusiness": "[]",
    }


def seed(tenant: dict) -> None:
    """Fresh content: the two packages, the four iFlows, each deployed and started with its parameters."""
    import copy

    tenant["packages"] = {p["Id"]: p for p in (package(), customer_package())}
    tenant["designtime"] = {flow["Id"]: copy.deepcopy(flow) for flow in FLOWS}
    tenant["deploy_tasks"] = {}
    tenant["runtime_artifacts"] = {
        flow["Id"]: {
            "Id": flow["Id"],
            "Version": flow["Version"],
            "Name": flow["Name"],
            "Type": "INTEGRATION_FLOW",
            "DeployedBy": "sap_content",
            "DeployedOn": int(CREATED_MS),
            "Status": "STARTED",
            "error": None,
            "configurations": copy.deepcopy(flow["configurations"]),
            "sender_adapter": flow["sender_adapter"],
            "receiver_adapter": flow["receiver_adapter"],
            "receiver_system": flow["Receiver"],
            "package_id": flow["PackageId"],
            "started_at": None,
            "polls_left": 0,
        }
        for flow in FLOWS
    }
    tenant["mpls"] = []
