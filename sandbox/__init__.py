"""A local imitation of the remote SAP APIs (CF v3, UAA/XSUAA, Service Manager, CPI OData, CPI runtime).

Standalone: standard library plus `cryptography`; it never imports the app. Start with `python -m sandbox`.
"""
