"""Deterministic demo data for a fictional Guangdong campaign (the ``demo`` app: ``manage.py demo_data``)."""
