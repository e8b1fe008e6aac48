"""The native local stack: Mosquitto, Kafka (KRaft) and PostgreSQL on loopback, no Docker.

``kotacerdas stack up|down|status`` drives it; the test session starts a private one on
free ports with the same code and the same config files in ``deploy/``.
"""
