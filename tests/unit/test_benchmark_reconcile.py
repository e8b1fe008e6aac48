"""Truth reconciliation of the soak: stored exactly once, letters with their reasons."""

from __future__ import annotations

import json

from kotacerdas.benchmark.reconcile import StoredLetter, reconcile

T = "kota/jakarta/air/jkt-air-0001"


def message(msg_id: str, valid: bool = True, reason: str | None = None, **extra) -> dict:
    return {
        "kind": "message",
        "msg_id": msg_id,
        "topic": T,
        "valid": valid,
        "expected_reason": reason,
        "seq": extra.pop("seq", None),
        **extra,
    }


def native(msg_id: str, seq: int, cut: int | None = None) -> bytes:
    body = json.dumps(
        {
            "v": 1,
            "sensor_id": "jkt-air-0001",
            "seq": seq,
            "msg_id": msg_id,
            "metrics": {"pm25": 1.0},
        },
        separators=(",", ":"),
    ).encode()
    return body[:cut] if cut else body


def letter(reason: str, payload: bytes = b"x", msg_id: str | None = None, cause=None):
    return StoredLetter(reason, cause, msg_id, T, payload)


def test_every_valid_reading_stored_once_is_clean():
    r = reconcile([message("a"), message("b")], {"a": 1, "b": 1}, [])
    assert r.ok and r.stored == 2 and r.counts()["missing"] == 0


def test_missing_extra_and_doubled_rows_are_named():
    r = reconcile([message("a"), message("b"), message("c")], {"a": 2, "c": 1, "zz": 1}, [])
    assert r.missing == ["b"]
    assert r.stored_twice == ["a"]
    assert r.extra == ["zz"]
    assert not r.ok


def test_duplicates_are_either_dead_lettered_or_dropped_by_the_database():
    truth = [
        message("a"),
        message("a", False, "duplicate", fault="duplicate"),
        message("b"),
        message("b", False, "duplicate", fault="duplicate"),
    ]
    r = reconcile(truth, {"a": 1, "b": 1}, [letter("duplicate", msg_id="a")])
    assert (r.duplicates_sent, r.duplicates_lettered, r.duplicates_dropped) == (2, 1, 1)
    assert r.ok


def test_letters_match_by_msg_id_then_seq_then_count():
    truth = [
        message("m1", False, "malformed_json", seq=7),  # payload cut before its msg_id
        message("m2", False, "topic_mismatch", seq=8),
        message("s1", False, "future_timestamp"),  # SenML: neither msg_id nor seq inside
        message("f1", True, "field_rejected", seq=9, expected_cause="not_finite"),
    ]
    letters = [
        letter("malformed_json", native("m1", 7, cut=30)),
        letter("topic_mismatch", native("m2", 8)),
        letter("future_timestamp", b'[{"bn":"urn:dev:jkt-air-0001"}]'),
        letter("field_rejected", native("f1", 9), cause="not_finite"),
    ]
    r = reconcile(truth, {"f1": 1}, letters)
    assert r.dead_lettered == r.expected_letters == 4
    assert r.letters_missing == [] and r.letters_unexpected == []
    assert r.by_reason["malformed_json"] == {"found": 1}


def test_wrong_reason_or_cause_is_a_missing_letter_and_an_unexpected_one():
    truth = [
        message("m2", False, "topic_mismatch", seq=8),
        message("f1", True, "field_rejected", seq=9, expected_cause="not_finite"),
    ]
    letters = [
        letter("out_of_range", native("m2", 8)),
        letter("field_rejected", native("f1", 9), cause="wrong_type"),
    ]
    r = reconcile(truth, {"f1": 1}, letters)
    assert [m["msg_id"] for m in r.letters_missing] == ["m2", "f1"]
    assert r.letters_missing[0]["found_reasons"] == ["out_of_range"]
    assert len(r.letters_unexpected) == 2
    assert not r.ok


def test_a_letter_redelivered_after_a_crash_counts_once():
    truth = [message("m2", False, "topic_mismatch", seq=8)]
    same = letter("topic_mismatch", native("m2", 8))
    r = reconcile(truth, {}, [same, same])
    assert r.letters_seen == 2 and r.letters_redelivered == 1
    assert r.ok


def test_one_letter_cannot_satisfy_two_truth_lines():
    truth = [message("s1", False, "future_timestamp"), message("s2", False, "future_timestamp")]
    r = reconcile(truth, {}, [letter("future_timestamp", b"one")])
    assert r.dead_lettered == 1 and len(r.letters_missing) == 1
