DROP TABLE usage_days;
