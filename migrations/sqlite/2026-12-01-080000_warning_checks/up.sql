-- Warnings a practitioner confirms (issue 15 part 4): the indications'
-- usual needle ranges become an admin list (seeded with DOMAIN.md's ranges;
-- "other" has none; lengths in hundredths of a mm), and a session keeps who
-- confirmed its warnings.
CREATE TABLE indication_ranges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    indication TEXT NOT NULL UNIQUE,
    needle_min INTEGER NOT NULL,
    needle_max INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO indication_ranges (indication, needle_min, needle_max, updated_at) VALUES
    ('fine_lines', 50, 100, CURRENT_TIMESTAMP),
    ('acne_scars', 50, 200, CURRENT_TIMESTAMP),
    ('burn_scars', 100, 200, CURRENT_TIMESTAMP),
    ('stretch_marks', 100, 200, CURRENT_TIMESTAMP),
    ('loose_skin', 50, 150, CURRENT_TIMESTAMP),
    ('aged_hands', 50, 150, CURRENT_TIMESTAMP),
    ('enlarged_pores', 50, 150, CURRENT_TIMESTAMP),
    ('pigmentation', 50, 150, CURRENT_TIMESTAMP),
    ('hair_loss', 50, 150, CURRENT_TIMESTAMP);
-- Who ticked "I have checked these warnings" for a session (or sent
-- `confirm_warnings: true` with it), when, and the warning codes covered.
CREATE TABLE session_warning_checks (
    session_id BIGINT PRIMARY KEY REFERENCES treatment_sessions(id),
    checked_by BIGINT NOT NULL REFERENCES users(id),
    checked_at TIMESTAMP NOT NULL,
    codes TEXT NOT NULL
);
