-- Follow-ups (DOMAIN.md "Follow-ups", issue 15): side effects noticed
-- after a session, recorded as rows of their own; the session is never
-- edited. side_effects holds comma-separated codes of domain::vocab::SideEffect,
-- severity a code of domain::vocab::Severity.
CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT NOT NULL REFERENCES treatment_sessions(id),
    observed_on DATE NOT NULL,
    side_effects TEXT NOT NULL,
    side_effect_other TEXT,
    severity TEXT NOT NULL,
    note TEXT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX follow_ups_session ON follow_ups (session_id);
