"""Grafana folders: one per goal of the smart-city programme the dashboards serve
(DESIGN.md "The three goals"), so folder permissions can follow who runs which service.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Folder:
    uid: str
    title: str


LIVEABLE = Folder("kota-layak-huni", "Kota Layak Huni / Liveable City")
GREEN_SAFE = Folder("kota-hijau-aman", "Kota Hijau dan Aman / Green and Safe City")
OPERATIONS = Folder("kota-layanan-digital", "Layanan Digital / Digital Services")
FOLDERS = (LIVEABLE, GREEN_SAFE, OPERATIONS)
