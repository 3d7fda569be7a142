"""Benchmarks of AuthWizard against the local sandbox: `python -m bench` (all figures) or `python -m bench
load`.
"""
