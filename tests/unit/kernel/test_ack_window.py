"""MQTT PUBACKs go out in arrival order, only when every Kafka record is acknowledged."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ingest.ack_window import AckWindow
from ingest.dedup import RecentIds


def test_a_done_message_waits_for_earlier_ones():
    window = AckWindow()
    first, second = window.open(1), window.open(2)
    for slot in (first, second):
        slot.pending, slot.sealed = 1, True
    second.pending = 0
    assert window.pop_ready() == []
    first.pending = 0
    assert window.pop_ready() == [1, 2]
    assert len(window) == 0


def test_an_unsealed_message_is_never_acked_even_with_nothing_pending():
    window = AckWindow()
    window.open(5)
    assert window.pop_ready() == []


@given(st.permutations(list(range(30))))
def test_acks_are_always_in_arrival_order(completion_order):
    window = AckWindow()
    slots = [window.open(mid) for mid in range(30)]
    for slot in slots:
        slot.pending, slot.sealed = 1, True
    acked: list[int] = []
    for index in completion_order:
        slots[index].pending = 0
        acked += window.pop_ready()
    assert acked == list(range(30))


def test_recent_ids_remember_a_bounded_number():
    ids = RecentIds(capacity=2)
    assert not ids.seen_before("a")
    assert ids.seen_before("a")
    ids.seen_before("b")
    ids.seen_before("c")  # evicts the oldest, "a"
    assert not ids.seen_before("a")
    assert len(ids) == 2
