-- 002: the first read-contract views (DESIGN.md: views are the only thing Grafana and
-- the exporter read). kota_reader gets SELECT on views, never on tables.

CREATE VIEW v_city AS
    SELECT slug, name, code, province, timezone, area_km2, population, lat, lon FROM city;

CREATE VIEW v_district AS
    SELECT city, slug, name, area_km2, population, lat, lon, land_use FROM district;

CREATE VIEW v_sensor AS
    SELECT sensor_id, city, district, domain, lat, lon, interval_s, street, road_class,
           lanes, capacity_pcu_h, free_flow_kmh, length_km, capacity_l, active
      FROM sensor;

CREATE VIEW v_air_reading AS
    SELECT sensor_id, ts, city, pm25, pm10, no2, so2, o3, co, hc, temperature, humidity,
           noise, source_format, ingested_at
      FROM air_reading;

CREATE VIEW v_traffic_reading AS
    SELECT sensor_id, ts, city, interval_s, vehicle_count, avg_speed_kmh, occupancy,
           speeding_count, source_format, ingested_at
      FROM traffic_reading;

CREATE VIEW v_waste_reading AS
    SELECT sensor_id, ts, city, fill_level, temperature, weight_kg, lid_open, source_format,
           ingested_at
      FROM waste_reading;

GRANT SELECT ON v_city, v_district, v_sensor, v_air_reading, v_traffic_reading,
    v_waste_reading TO kota_reader;
