"""Live indicators: per sensor, district and city, every few seconds (issue 11).

``model`` and ``sensors``/``places`` are pure (values in, rows out; the math is
cityscore's); ``inputs`` reads the rollups; ``job`` schedules and writes.
"""
