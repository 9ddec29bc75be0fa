DROP TABLE stock_versions;
