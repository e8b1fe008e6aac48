"""The benchmark harness behind ``kotacerdas bench`` (and the scripts in ``bench/``).

Modules, one job each:

| module | job | I/O |
|---|---|---|
| ``environment`` | a private stack on free ports (or the developer's), service PIDs | processes |
| ``procstat`` | CPU seconds and RSS of process trees from ``/proc`` (parsing is pure) | /proc |
| ``stats`` | percentiles, rates over a window, per-second series | none |
| ``workload`` | synthetic readings of the registry's sensors | none |
| ``kafka_io`` | produce readings, time spans of topics, group lag | Kafka |
| ``floors`` | the raw floors: bare paho, bare Kafka producer/consumer, plain COPY | all three |
| ``pipeline_run`` | the whole pipeline at a fixed or maximum rate, sampled every second | all |
| ``verdict`` | whether a run has figures to report, or the reasons it has none | none |
| ``latency`` | publish → visible latency from the truth file and the stored rows | PostgreSQL |
| ``reconcile`` | truth file vs what was stored and dead-lettered (pure) | none |
| ``soak`` | the soak with faults and its proof | all |
| ``peer`` | our aggregator vs the Quix Streams peer on the same pre-loaded topics | all |
| ``gateway`` | the simulated fleet through a few gateway connections (50 000 sensors) | MQTT |
| ``verify`` | the soak's proof on the database side (stored, letters, rollups) | PostgreSQL |
| ``scaling`` | replicas and sensor counts | all |
| ``report`` | tables (terminal, markdown), JSON, the PNG plot | files |
"""
