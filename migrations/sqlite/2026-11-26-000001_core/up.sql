-- Core schema: sites, people, catalogue, lots, the ledger and its balances,
-- treatment sessions, protocols, purchase orders and stock counts.
-- Quantities are integers in thousandths of the product unit, money in cents,
-- needle lengths in hundredths of a millimetre. Times are UTC.

CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE locations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id BIGINT NOT NULL REFERENCES sites(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (site_id, code)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'practitioner')),
    site_id BIGINT REFERENCES sites(id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE login_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    flash TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX login_sessions_user ON login_sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE TABLE suppliers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    email TEXT,
    lead_time_days INTEGER CHECK (lead_time_days >= 0),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sku TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('roller', 'cartridge', 'anesthetic', 'serum', 'spf', 'disposable', 'other')),
    unit TEXT NOT NULL CHECK (unit IN ('each', 'g', 'ml')),
    pack_size BIGINT NOT NULL CHECK (pack_size > 0),
    needle_length INTEGER CHECK (needle_length BETWEEN 10 AND 300),
    gtin TEXT UNIQUE,
    supplier_id BIGINT REFERENCES suppliers(id),
    unit_cost_cents BIGINT CHECK (unit_cost_cents >= 0),
    lead_time_days INTEGER CHECK (lead_time_days >= 0),
    min_level BIGINT CHECK (min_level >= 0),
    max_level BIGINT CHECK (max_level >= 0),
    max_per_session BIGINT CHECK (max_per_session > 0),
    use_within_days INTEGER CHECK (use_within_days > 0),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((category IN ('roller', 'cartridge')) = (needle_length IS NOT NULL))
);
CREATE INDEX products_category ON products (category, needle_length);
CREATE INDEX products_supplier ON products (supplier_id);

-- A lot is (product, lot number, expiry). Opening a container (tube, vial)
-- moves it into its own row (container > 0) whose use_by is the earlier of
-- the expiry and the discard-by date; sealed stock is container 0.
CREATE TABLE lots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES products(id),
    lot_number TEXT NOT NULL,
    expiry DATE NOT NULL,
    container INTEGER NOT NULL DEFAULT 0,
    parent_lot_id BIGINT REFERENCES lots(id),
    opened_at TIMESTAMP,
    discard_by DATE,
    use_by DATE NOT NULL,
    quarantined BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (product_id, lot_number, container)
);
CREATE INDEX lots_product_use_by ON lots (product_id, use_by);
CREATE INDEX lots_number ON lots (lot_number);
CREATE INDEX lots_parent ON lots (parent_lot_id);

CREATE TABLE protocols (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    indication TEXT NOT NULL,
    needle_min INTEGER NOT NULL,
    needle_max INTEGER NOT NULL,
    addons TEXT NOT NULL DEFAULT '',
    notes TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    CHECK (needle_min <= needle_max)
);

CREATE TABLE protocol_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    protocol_id BIGINT NOT NULL REFERENCES protocols(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX protocol_lines_protocol ON protocol_lines (protocol_id);

CREATE TABLE treatment_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id BIGINT NOT NULL REFERENCES sites(id),
    practitioner_id BIGINT NOT NULL REFERENCES users(id),
    client_ref TEXT NOT NULL,
    performed_at TIMESTAMP NOT NULL,
    indication TEXT,
    needle_length INTEGER NOT NULL,
    protocol_id BIGINT REFERENCES protocols(id),
    addons TEXT NOT NULL DEFAULT '',
    side_effects TEXT NOT NULL DEFAULT '',
    side_effect_other TEXT,
    notes TEXT,
    warnings TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL UNIQUE,
    request_hash TEXT NOT NULL,
    voided_at TIMESTAMP,
    voided_by BIGINT REFERENCES users(id),
    void_reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX treatment_sessions_site_time ON treatment_sessions (site_id, performed_at);
CREATE INDEX treatment_sessions_client ON treatment_sessions (client_ref, performed_at);
CREATE INDEX treatment_sessions_practitioner ON treatment_sessions (practitioner_id, performed_at);

CREATE TABLE session_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT NOT NULL REFERENCES treatment_sessions(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    named_lot_id BIGINT REFERENCES lots(id),
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX session_lines_session ON session_lines (session_id);

CREATE TABLE purchase_orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id BIGINT NOT NULL REFERENCES sites(id),
    supplier_id BIGINT NOT NULL REFERENCES suppliers(id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'partial', 'received', 'cancelled')),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    email_text TEXT,
    closed_at TIMESTAMP,
    note TEXT
);
CREATE INDEX purchase_orders_site_status ON purchase_orders (site_id, status);

CREATE TABLE purchase_order_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    purchase_order_id BIGINT NOT NULL REFERENCES purchase_orders(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    packs BIGINT NOT NULL CHECK (packs > 0),
    pack_size BIGINT NOT NULL CHECK (pack_size > 0),
    pack_cost_cents BIGINT NOT NULL DEFAULT 0 CHECK (pack_cost_cents >= 0),
    received_quantity BIGINT NOT NULL DEFAULT 0 CHECK (received_quantity >= 0)
);
CREATE INDEX purchase_order_lines_order ON purchase_order_lines (purchase_order_id);
CREATE INDEX purchase_order_lines_product ON purchase_order_lines (product_id);

CREATE TABLE receipts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id BIGINT NOT NULL REFERENCES sites(id),
    location_id BIGINT NOT NULL REFERENCES locations(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    purchase_order_id BIGINT REFERENCES purchase_orders(id),
    unit_cost_cents BIGINT CHECK (unit_cost_cents >= 0),
    note TEXT,
    received_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE stock_counts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    location_id BIGINT NOT NULL REFERENCES locations(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    blind BOOLEAN NOT NULL DEFAULT FALSE,
    lines_counted INTEGER NOT NULL DEFAULT 0,
    discrepancies INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

-- The ledger: one row per change of stock, never updated or deleted.
-- product_id and site_id are copies of the lot's product and the location's
-- site so that reports can use covering indexes without joins.
CREATE TABLE ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lot_id BIGINT NOT NULL REFERENCES lots(id),
    location_id BIGINT NOT NULL REFERENCES locations(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    site_id BIGINT NOT NULL REFERENCES sites(id),
    delta BIGINT NOT NULL CHECK (delta <> 0),
    kind TEXT NOT NULL CHECK (kind IN ('receive', 'consume', 'adjust', 'transfer', 'count', 'void')),
    reason TEXT,
    note TEXT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    occurred_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    session_id BIGINT REFERENCES treatment_sessions(id),
    session_line_id BIGINT REFERENCES session_lines(id),
    receipt_id BIGINT REFERENCES receipts(id),
    purchase_order_id BIGINT REFERENCES purchase_orders(id),
    purchase_order_line_id BIGINT REFERENCES purchase_order_lines(id),
    stock_count_id BIGINT REFERENCES stock_counts(id)
);
CREATE INDEX ledger_lot_location ON ledger (lot_id, location_id);
CREATE INDEX ledger_site_kind_time ON ledger (site_id, kind, occurred_at, product_id, delta);
CREATE INDEX ledger_product_time ON ledger (product_id, occurred_at);
CREATE INDEX ledger_site_time ON ledger (site_id, occurred_at);
CREATE INDEX ledger_session ON ledger (session_id);
CREATE INDEX ledger_order ON ledger (purchase_order_id);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger rows are append-only');
END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger rows are append-only');
END;
-- What a session used is kept for years (recall): sessions and lots are never deleted.
CREATE TRIGGER treatment_sessions_no_delete BEFORE DELETE ON treatment_sessions
BEGIN
    SELECT RAISE(ABORT, 'treatment sessions are never deleted');
END;
CREATE TRIGGER lots_no_delete BEFORE DELETE ON lots
BEGIN
    SELECT RAISE(ABORT, 'lots are never deleted');
END;

-- On hand per (lot, location), changed only together with a ledger row.
CREATE TABLE balances (
    lot_id BIGINT NOT NULL REFERENCES lots(id),
    location_id BIGINT NOT NULL REFERENCES locations(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    site_id BIGINT NOT NULL REFERENCES sites(id),
    quantity BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (lot_id, location_id)
);
CREATE INDEX balances_site_product ON balances (site_id, product_id);
