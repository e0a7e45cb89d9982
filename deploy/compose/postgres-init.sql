-- A read-only role for Grafana's records datasource (the record store owns the schema).
CREATE ROLE grafana_reader LOGIN PASSWORD 'grafana_reader';
GRANT CONNECT ON DATABASE nightglow TO grafana_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE nightglow IN SCHEMA public GRANT SELECT ON TABLES TO grafana_reader;
