-- The session's facts (issue 15 part 3): treatment areas (an admin list;
-- a retired area stays on the sessions that named it), the areas of each
-- session, its duration, when the topical anaesthetic went on and how long
-- it stayed, and a product's maximum contact time (exceeding it warns).
CREATE TABLE treatment_areas (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO treatment_areas (code, name, position, active, created_at) VALUES
    ('face', 'Face', 1, TRUE, CURRENT_TIMESTAMP),
    ('neck', 'Neck', 2, TRUE, CURRENT_TIMESTAMP),
    ('decolletage', 'Décolletage', 3, TRUE, CURRENT_TIMESTAMP),
    ('scalp', 'Scalp', 4, TRUE, CURRENT_TIMESTAMP),
    ('hands', 'Hands', 5, TRUE, CURRENT_TIMESTAMP),
    ('body', 'Body', 6, TRUE, CURRENT_TIMESTAMP);
CREATE TABLE session_areas (
    session_id BIGINT NOT NULL REFERENCES treatment_sessions(id),
    area_id BIGINT NOT NULL REFERENCES treatment_areas(id),
    PRIMARY KEY (session_id, area_id)
);
CREATE INDEX session_areas_area ON session_areas (area_id);
ALTER TABLE treatment_sessions ADD COLUMN duration_minutes INTEGER;
ALTER TABLE treatment_sessions ADD COLUMN anaesthetic_applied_at TIMESTAMP;
ALTER TABLE treatment_sessions ADD COLUMN anaesthetic_contact_minutes INTEGER;
ALTER TABLE products ADD COLUMN max_contact_minutes INTEGER;
