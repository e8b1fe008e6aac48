"""The dead-letter reason catalogue: one stable code per way a message can be refused.

A code is part of the wire contract (Kafka header ``kota-reason``, column
``dead_letter.reason``, metric label ``reason``): never rename one, only add.
Each code carries a one-line meaning in Bahasa Indonesia and in English, which
operators see in Grafana and in ``kotacerdas top``.
"""

from __future__ import annotations

from enum import StrEnum


class ReasonCode(StrEnum):
    """Why a message (or one field of it) was dead-lettered."""

    # --- envelope -------------------------------------------------------------------
    EMPTY_PAYLOAD = "empty_payload"
    OVERSIZE = "oversize"
    NOT_UTF8 = "not_utf8"
    MALFORMED_JSON = "malformed_json"
    NOT_AN_OBJECT = "not_an_object"
    UNSUPPORTED_FORMAT = "unsupported_format"
    UNSUPPORTED_VERSION = "unsupported_version"
    # --- topic and identity ---------------------------------------------------------
    INVALID_TOPIC = "invalid_topic"
    TOPIC_TOO_DEEP = "topic_too_deep"
    INVALID_SENSOR_ID = "invalid_sensor_id"
    UNKNOWN_CITY = "unknown_city"
    UNKNOWN_DOMAIN = "unknown_domain"
    UNKNOWN_SENSOR = "unknown_sensor"
    WRONG_DOMAIN = "wrong_domain"
    WRONG_CITY = "wrong_city"
    TOPIC_MISMATCH = "topic_mismatch"
    DEVICE_REF_MISMATCH = "device_ref_mismatch"
    # --- time -----------------------------------------------------------------------
    MISSING_TIMESTAMP = "missing_timestamp"
    INVALID_TIMESTAMP = "invalid_timestamp"
    FUTURE_TIMESTAMP = "future_timestamp"
    TOO_OLD = "too_old"
    TOO_LATE = "too_late"
    # --- fields and values ----------------------------------------------------------
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    INVALID_SEQ = "invalid_seq"
    INVALID_INTERVAL = "invalid_interval"
    INVALID_MSG_ID = "invalid_msg_id"
    INVALID_REVISION = "invalid_revision"
    NOT_FINITE = "not_finite"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_UNIT = "unknown_unit"
    INCONSISTENT = "inconsistent"
    FIELD_REJECTED = "field_rejected"
    NO_METRICS = "no_metrics"
    # --- format specific ------------------------------------------------------------
    INVALID_SENML = "invalid_senml"
    INVALID_NGSI = "invalid_ngsi"
    NGSI_WRONG_TYPE = "ngsi_wrong_type"
    # --- pipeline -------------------------------------------------------------------
    DUPLICATE = "duplicate"
    POISON_RECORD = "poison_record"

    @property
    def meaning_id(self) -> str:
        return _MEANINGS[self][0]

    @property
    def meaning_en(self) -> str:
        return _MEANINGS[self][1]


_MEANINGS: dict[ReasonCode, tuple[str, str]] = {
    ReasonCode.EMPTY_PAYLOAD: ("Pesan kosong", "The payload is empty"),
    ReasonCode.OVERSIZE: (
        "Pesan melebihi batas ukuran yang diizinkan",
        "The payload is larger than the configured maximum",
    ),
    ReasonCode.NOT_UTF8: ("Pesan bukan teks UTF-8 yang sah", "The payload is not valid UTF-8"),
    ReasonCode.MALFORMED_JSON: ("JSON rusak atau terpotong", "The payload is not parseable JSON"),
    ReasonCode.NOT_AN_OBJECT: (
        "JSON tingkat atas bukan objek atau larik yang diharapkan",
        "The top-level JSON value is not the object or array a format needs",
    ),
    ReasonCode.UNSUPPORTED_FORMAT: (
        "Format muatan tidak dikenali",
        "The payload matches none of the accepted formats",
    ),
    ReasonCode.UNSUPPORTED_VERSION: (
        "Versi skema muatan tidak didukung",
        "The payload declares a schema version we do not read",
    ),
    ReasonCode.INVALID_TOPIC: (
        "Topik tidak mengikuti pola kota/{kota}/{domain}/{sensor}",
        "The MQTT topic does not follow kota/{city}/{domain}/{sensor_id}",
    ),
    ReasonCode.TOPIC_TOO_DEEP: (
        "Topik memiliki tingkat lebih banyak dari yang diizinkan",
        "The MQTT topic has more levels than allowed",
    ),
    ReasonCode.INVALID_SENSOR_ID: (
        "ID sensor tidak sah",
        "The sensor id does not match [a-z0-9][a-z0-9_-]{2,63}",
    ),
    ReasonCode.UNKNOWN_CITY: ("Kota tidak terdaftar", "The city is not in the registry"),
    ReasonCode.UNKNOWN_DOMAIN: (
        "Domain bukan air, traffic atau waste",
        "The domain is not one of air, traffic, waste",
    ),
    ReasonCode.UNKNOWN_SENSOR: ("Sensor tidak terdaftar", "The sensor is not in the registry"),
    ReasonCode.WRONG_DOMAIN: (
        "Sensor terdaftar untuk domain lain",
        "The sensor is registered for another domain than the topic says",
    ),
    ReasonCode.WRONG_CITY: (
        "Sensor terdaftar di kota lain",
        "The sensor is registered in another city than the topic says",
    ),
    ReasonCode.TOPIC_MISMATCH: (
        "Identitas sensor di muatan berbeda dari topik (dugaan pemalsuan)",
        "The payload claims another sensor than the topic (possible spoofing)",
    ),
    ReasonCode.DEVICE_REF_MISMATCH: (
        "Referensi perangkat di muatan tidak cocok dengan registri",
        "The device reference in the payload does not match the registry",
    ),
    ReasonCode.MISSING_TIMESTAMP: ("Waktu pengamatan tidak ada", "The observation time is missing"),
    ReasonCode.INVALID_TIMESTAMP: (
        "Waktu pengamatan tidak dapat dibaca atau tanpa zona waktu",
        "The observation time is unparseable or has no UTC offset",
    ),
    ReasonCode.FUTURE_TIMESTAMP: (
        "Waktu pengamatan lebih dari 5 menit di masa depan",
        "The observation time is more than the allowed skew in the future",
    ),
    ReasonCode.TOO_OLD: (
        "Waktu pengamatan lebih tua dari batas keterlambatan",
        "The observation time is older than the ingest late limit",
    ),
    ReasonCode.TOO_LATE: (
        "Data datang setelah horizon retensi",
        "The reading arrived beyond the storage retention horizon",
    ),
    ReasonCode.MISSING_FIELD: ("Kolom wajib tidak ada", "A required field is missing"),
    ReasonCode.WRONG_TYPE: ("Tipe data kolom salah", "A field has the wrong type"),
    ReasonCode.INVALID_SEQ: (
        "Nomor urut perangkat tidak sah",
        "The device sequence number is not a non-negative integer",
    ),
    ReasonCode.INVALID_INTERVAL: (
        "Panjang periode pengamatan tidak sah",
        "The observation interval is not a positive number of seconds within a day",
    ),
    ReasonCode.INVALID_MSG_ID: (
        "ID pesan dari perangkat tidak sah",
        "The device-given message id is not a string of 1 to 128 characters",
    ),
    ReasonCode.INVALID_REVISION: (
        "Nomor revisi bacaan tidak sah",
        "The reading's revision is not an integer in 0..2**31-1",
    ),
    ReasonCode.NOT_FINITE: ("Nilai NaN atau tak hingga", "A value is NaN or infinite"),
    ReasonCode.OUT_OF_RANGE: (
        "Nilai di luar rentang yang mungkin secara fisik",
        "A value is physically impossible",
    ),
    ReasonCode.UNKNOWN_UNIT: (
        "Satuan tidak dikenali atau tidak dapat dikonversi",
        "A unit is unknown or cannot be converted to the canonical unit",
    ),
    ReasonCode.INCONSISTENT: (
        "Nilai-nilai saling bertentangan",
        "Values contradict each other (e.g. more speeding vehicles than vehicles)",
    ),
    ReasonCode.FIELD_REJECTED: (
        "Satu kolom ditolak, sisa bacaan tetap diterima",
        "One field was rejected; the rest of the reading was kept",
    ),
    ReasonCode.NO_METRICS: (
        "Tidak ada metrik yang dapat dipakai",
        "The message carries no usable metric",
    ),
    ReasonCode.INVALID_SENML: (
        "Paket SenML tidak sah (kolom dasar atau rekaman)",
        "The SenML pack is invalid (base fields or records)",
    ),
    ReasonCode.INVALID_NGSI: ("Entitas NGSI tidak sah", "The NGSI entity is malformed"),
    ReasonCode.NGSI_WRONG_TYPE: (
        "Tipe entitas NGSI tidak didukung untuk domain topik",
        "The NGSI entity type is not the data model of the topic's domain",
    ),
    ReasonCode.DUPLICATE: (
        "Pesan dengan ID yang sama sudah diterima",
        "A message with the same id was already received",
    ),
    ReasonCode.POISON_RECORD: (
        "Basis data menolak rekaman ini",
        "The database refused this record",
    ),
}
