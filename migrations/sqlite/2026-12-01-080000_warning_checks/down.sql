DROP TABLE session_warning_checks;
DROP TABLE indication_ranges;
