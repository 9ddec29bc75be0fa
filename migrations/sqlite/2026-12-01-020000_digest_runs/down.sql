DROP TABLE digest_runs;
