DROP TABLE follow_ups;
