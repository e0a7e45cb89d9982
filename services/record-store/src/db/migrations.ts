/**
 * The schema, as versioned forward-only migrations. Never edit or reorder a
 * released migration: append a new one. `migrate` applies each once, in
 * order, in its own transaction.
 */

/** One migration: a version (1, 2, …), a name, and its SQL. */
export type Migration = { readonly version: number; readonly name: string; readonly sql: string };

const events = `
CREATE TABLE events (
  event_id uuid PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  type text NOT NULL,
  topic smallint NOT NULL,
  time timestamptz NOT NULL,
  ingest_time timestamptz NOT NULL,
  session_id text NOT NULL DEFAULT '',
  task_id text NOT NULL DEFAULT '',
  action_id text NOT NULL DEFAULT '',
  pool text NOT NULL DEFAULT '',
  kafka_topic text,
  kafka_partition integer,
  kafka_offset bigint,
  envelope bytea NOT NULL
);
CREATE INDEX events_time_idx ON events (time, event_id);
CREATE INDEX events_task_idx ON events (task_id) WHERE task_id <> '';
CREATE INDEX events_session_idx ON events (session_id, time) WHERE session_id <> '';

CREATE TABLE measurements (
  event_id uuid PRIMARY KEY,
  time timestamptz NOT NULL,
  metric text NOT NULL,
  instrument text NOT NULL,
  unit text NOT NULL,
  value double precision NOT NULL,
  session_id text NOT NULL,
  task_id text NOT NULL,
  action_id text NOT NULL,
  pool text NOT NULL,
  url_host text NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX measurements_metric_time_idx ON measurements (metric, time);
CREATE INDEX measurements_task_idx ON measurements (task_id) WHERE task_id <> '';

CREATE TABLE dead_letters (
  id bigserial PRIMARY KEY,
  topic text NOT NULL,
  partition integer NOT NULL,
  kafka_offset bigint NOT NULL,
  error text NOT NULL,
  raw bytea NOT NULL,
  ingest_time timestamptz NOT NULL,
  UNIQUE (topic, partition, kafka_offset)
);
`;

const records = `
CREATE TABLE task_records (
  id uuid PRIMARY KEY,
  task_id text NOT NULL UNIQUE,
  session_id text NOT NULL,
  pool text NOT NULL,
  state smallint NOT NULL,
  template_name text NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}',
  create_time timestamptz NOT NULL,
  finish_time timestamptz,
  seal_time timestamptz NOT NULL,
  record bytea NOT NULL
);
CREATE INDEX task_records_create_idx ON task_records (create_time, id);
CREATE INDEX task_records_pool_idx ON task_records (pool, create_time, id);
CREATE INDEX task_records_session_idx ON task_records (session_id);
CREATE INDEX task_records_labels_idx ON task_records USING gin (labels);

CREATE FUNCTION refuse_sealed_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('nightglow.retention', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'task record % is sealed: % refused', OLD.id, TG_OP;
END $$;
CREATE TRIGGER task_records_sealed BEFORE UPDATE OR DELETE ON task_records
  FOR EACH ROW EXECUTE FUNCTION refuse_sealed_change();

CREATE FUNCTION refuse_sealed_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'task records are sealed: TRUNCATE refused';
END $$;
CREATE TRIGGER task_records_sealed_truncate BEFORE TRUNCATE ON task_records
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_sealed_truncate();

CREATE TABLE pending_seals (
  task_id text PRIMARY KEY,
  terminal_event_id uuid NOT NULL,
  due_time timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX pending_seals_due_idx ON pending_seals (due_time);

CREATE TABLE artifacts (
  id text PRIMARY KEY,
  task_id text NOT NULL,
  action_id text NOT NULL,
  kind smallint NOT NULL,
  content_type text NOT NULL,
  name text NOT NULL,
  sha256 text NOT NULL,
  size_bytes bigint NOT NULL,
  create_time timestamptz NOT NULL,
  data bytea NOT NULL
);
CREATE INDEX artifacts_task_idx ON artifacts (task_id);
`;

const alertsAndKeys = `
CREATE TABLE alerts (
  fingerprint text PRIMARY KEY,
  latest bytea NOT NULL,
  severity smallint NOT NULL,
  instrument text NOT NULL,
  pool text NOT NULL,
  session_id text NOT NULL,
  task_id text NOT NULL,
  status smallint NOT NULL,
  occurrence_count bigint NOT NULL,
  first_seen_time timestamptz NOT NULL,
  last_seen_time timestamptz NOT NULL,
  acknowledged_by text NOT NULL DEFAULT '',
  acknowledge_time timestamptz,
  acknowledge_note text NOT NULL DEFAULT '',
  resolved_by text NOT NULL DEFAULT '',
  resolve_time timestamptz,
  resolve_note text NOT NULL DEFAULT ''
);
CREATE INDEX alerts_last_seen_idx ON alerts (last_seen_time DESC, fingerprint);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  role smallint NOT NULL,
  description text NOT NULL DEFAULT '',
  prefix text NOT NULL,
  hash bytea NOT NULL UNIQUE,
  created_by text NOT NULL,
  create_time timestamptz NOT NULL,
  expire_time timestamptz,
  last_use_time timestamptz,
  revoke_time timestamptz
);
CREATE UNIQUE INDEX api_keys_active_name_idx ON api_keys (name) WHERE revoke_time IS NULL;
`;

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'events, measurements, dead letters', sql: events },
  { version: 2, name: 'task records (sealed), pending seals, artifacts', sql: records },
  { version: 3, name: 'alerts and API keys', sql: alertsAndKeys },
];
