"""The read API (`kotacerdas api`): open data from the read-contract views, as kota_reader.

Pure modules (no I/O): :mod:`durations`, :mod:`cursor`, :mod:`etag`, :mod:`problems`,
:mod:`queries`, :mod:`sta_filter`, :mod:`sta_model`, :mod:`ratelimit`, :mod:`page`,
:mod:`docs_page`. The shell: :mod:`store` (database), :mod:`app` and :mod:`sta_routes`
(HTTP), :mod:`service` and :mod:`cli` (process). See README.md beside this file.
"""
