"""Test environment defaults, set before Django reads its settings."""

import os

os.environ.setdefault("AUTHWIZARD_TESTING", "1")
os.environ.setdefault("AUTHWIZARD_ENCRYPTION_KEYS", "k8Kf7QzYtP5rV3Wm9Xn2Bc4Dh6Jl8Ns0Rq1Tu3Vw5Yz=")
os.environ.setdefault("AUTHWIZARD_ALLOWED_HOSTS", "*.sandbox.localhost,sandbox.localhost")
