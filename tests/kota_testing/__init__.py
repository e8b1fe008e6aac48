"""Test support: a private local stack per test session, service processes, publishers."""
