-- Run once by the postgres image on an empty data volume, as POSTGRES_USER (fleetcare).
-- One database per service: each owns its tables and its Alembic version table.
CREATE DATABASE fleetcare_intake;
CREATE DATABASE fleetcare_parts;
CREATE DATABASE fleetcare_dispatch;
CREATE DATABASE fleetcare_quality;
