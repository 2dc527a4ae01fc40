"""Deterministic demo data for a fictional Guangdong campaign (not an app; used by ``demo_data``)."""
