/** The study database's tables (SQLite). Versioned with `PRAGMA user_version`. */
export const schemaVersion = 1;

export const schemaSql = `
CREATE TABLE IF NOT EXISTS studies (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  spec_json TEXT NOT NULL,
  spec_hash TEXT NOT NULL,
  out_dir TEXT NOT NULL,
  trials_planned INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'finished')),
  coordinator_pid INTEGER,
  coordinator_start TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS trials (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies(id),
  number INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'completed', 'stopped', 'crashed', 'failed')),
  assignment_json TEXT NOT NULL,
  config_json TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  handle_json TEXT,
  allocation_json TEXT,
  epochs INTEGER NOT NULL DEFAULT 0,
  epoch_base INTEGER,
  crashed_epoch INTEGER,
  objective REAL,
  summary_json TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  UNIQUE (study_id, number)
);
CREATE TABLE IF NOT EXISTS params (
  trial_id INTEGER NOT NULL REFERENCES trials(id),
  name TEXT NOT NULL,
  value_json TEXT NOT NULL,
  kind TEXT NOT NULL,
  PRIMARY KEY (trial_id, name)
);
CREATE TABLE IF NOT EXISTS metrics (
  trial_id INTEGER NOT NULL REFERENCES trials(id),
  epoch INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  metrics_json TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (trial_id, epoch)
);
CREATE TABLE IF NOT EXISTS rungs (
  trial_id INTEGER NOT NULL REFERENCES trials(id),
  rung INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  value REAL,
  seen INTEGER NOT NULL,
  keep INTEGER NOT NULL,
  rank INTEGER NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('continue', 'stop')),
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (trial_id, rung)
);
CREATE TABLE IF NOT EXISTS transitions (
  id INTEGER PRIMARY KEY,
  trial_id INTEGER NOT NULL REFERENCES trials(id),
  at INTEGER NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  detail TEXT
);
CREATE TABLE IF NOT EXISTS errors (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies(id),
  trial_id INTEGER REFERENCES trials(id),
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS trials_by_study ON trials(study_id, state);
`;
