"""Clients for the remote SAP APIs (CF v3, XSUAA, Service Manager, CPI OData, CPI runtime); no Django here.

One `SapHttp` per run is shared by every client; every failure is a `SapError`.
"""

from .errors import SapError
from .http import RetryPolicy, SapHttp, Timeouts

__all__ = ["RetryPolicy", "SapError", "SapHttp", "Timeouts"]
