"""Test helpers: the organisation tree, personas, and generic page/API/data-scope test classes."""
