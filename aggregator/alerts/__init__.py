"""Alerts: rules as data, hysteresis, one open alert per rule and place (issue 11)."""
