"""Factories for test data: keyword-only functions with safe defaults."""
