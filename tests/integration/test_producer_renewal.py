"""Renewing the bridge's Kafka producer (after it lost its idempotence state) neither
fails nor loses the records the bridge keeps adding while the new producer starts."""

from __future__ import annotations

import asyncio

from kota_testing.kafka import consume_all

from ingest.kafka_sink import KafkaSink, OutRecord, ProducerOptions
from kotacerdas.settings import KafkaSettings
from kotacerdas.topics import full_name

RECORDS = 200


def test_records_added_during_a_renewal_go_out_with_the_new_producer(stack, topics):
    prefix = topics["KOTA_KAFKA_TOPIC_PREFIX"]
    topic = full_name(prefix, "air")
    settings = KafkaSettings(bootstrap=stack.bootstrap, topic_prefix=prefix)

    async def renew_while_adding() -> int:
        stop = asyncio.Event()
        sink = KafkaSink(settings, ProducerOptions("none", 0, 1 << 20, 5000))
        assert await sink.start(stop, [topic])
        first = sink.generation
        renewal = asyncio.create_task(sink.renew(first))
        await asyncio.sleep(0)  # the renewal is under way: the old producer is stopping
        for i in range(RECORDS):
            sink.add(OutRecord(topic, f"jkt-air-{i % 7:04d}".encode(), b"r%d" % i, []), i)
        futures = [await sink.send(batch) for batch in sink.take_batches()]
        await renewal
        await asyncio.wait_for(asyncio.gather(*futures), 30)
        await sink.stop()
        return sink.generation - first

    assert asyncio.run(renew_while_adding()) == 1
    values = {record.value for record in consume_all(stack.bootstrap, [topic])}
    assert values == {b"r%d" % i for i in range(RECORDS)}
