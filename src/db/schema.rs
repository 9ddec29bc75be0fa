//! The database schema, kept by hand in types both backends share: BigInt ids,
//! BigInt quantities (thousandths) and cents, Integer needle lengths
//! (hundredths of a mm), Date expiries and UTC Timestamps.

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    sites (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
        time_zone -> Text,
        address -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        digest_time -> Text,
    }
}

diesel::table! {
    locations (id) {
        id -> BigInt,
        site_id -> BigInt,
        code -> Text,
        name -> Text,
        sort_order -> Integer,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        site_id -> Nullable<BigInt>,
        active -> Bool,
        created_at -> Timestamp,
        display_name -> Nullable<Text>,
        email -> Nullable<Text>,
        digest_enabled -> Bool,
    }
}

diesel::table! {
    login_sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        flash -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_seen_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_throttle (scope, subject) {
        scope -> Text,
        subject -> Text,
        failures -> BigInt,
        last_failure_at -> Timestamp,
        locked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    suppliers (id) {
        id -> BigInt,
        name -> Text,
        email -> Nullable<Text>,
        lead_time_days -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    products (id) {
        id -> BigInt,
        sku -> Text,
        name -> Text,
        category -> Text,
        unit -> Text,
        pack_size -> BigInt,
        needle_length -> Nullable<Integer>,
        gtin -> Nullable<Text>,
        supplier_id -> Nullable<BigInt>,
        unit_cost_cents -> Nullable<BigInt>,
        lead_time_days -> Nullable<Integer>,
        min_level -> Nullable<BigInt>,
        max_level -> Nullable<BigInt>,
        max_per_session -> Nullable<BigInt>,
        use_within_days -> Nullable<Integer>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        max_contact_minutes -> Nullable<Integer>,
    }
}

diesel::table! {
    lots (id) {
        id -> BigInt,
        product_id -> BigInt,
        lot_number -> Text,
        expiry -> Date,
        container -> Integer,
        parent_lot_id -> Nullable<BigInt>,
        opened_at -> Nullable<Timestamp>,
        discard_by -> Nullable<Date>,
        use_by -> Date,
        quarantined -> Bool,
        created_at -> Timestamp,
        first_received_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    protocols (id) {
        id -> BigInt,
        name -> Text,
        indication -> Text,
        needle_min -> Integer,
        needle_max -> Integer,
        addons -> Text,
        notes -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    protocol_lines (id) {
        id -> BigInt,
        protocol_id -> BigInt,
        product_id -> BigInt,
        quantity -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    treatment_sessions (id) {
        id -> BigInt,
        site_id -> BigInt,
        practitioner_id -> BigInt,
        client_ref -> Text,
        performed_at -> Timestamp,
        indication -> Nullable<Text>,
        needle_length -> Integer,
        protocol_id -> Nullable<BigInt>,
        addons -> Text,
        side_effects -> Text,
        side_effect_other -> Nullable<Text>,
        notes -> Nullable<Text>,
        warnings -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        voided_at -> Nullable<Timestamp>,
        voided_by -> Nullable<BigInt>,
        void_reason -> Nullable<Text>,
        created_at -> Timestamp,
        duration_minutes -> Nullable<Integer>,
        anaesthetic_applied_at -> Nullable<Timestamp>,
        anaesthetic_contact_minutes -> Nullable<Integer>,
    }
}

diesel::table! {
    treatment_areas (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        position -> Integer,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    session_areas (session_id, area_id) {
        session_id -> BigInt,
        area_id -> BigInt,
    }
}

diesel::table! {
    session_lines (id) {
        id -> BigInt,
        session_id -> BigInt,
        product_id -> BigInt,
        quantity -> BigInt,
        named_lot_id -> Nullable<BigInt>,
        position -> Integer,
        site_id -> Nullable<BigInt>,
        performed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    purchase_orders (id) {
        id -> BigInt,
        site_id -> BigInt,
        supplier_id -> BigInt,
        status -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        email_text -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        note -> Nullable<Text>,
        sent_to -> Nullable<Text>,
    }
}

diesel::table! {
    purchase_order_lines (id) {
        id -> BigInt,
        purchase_order_id -> BigInt,
        product_id -> BigInt,
        packs -> BigInt,
        pack_size -> BigInt,
        pack_cost_cents -> BigInt,
        received_quantity -> BigInt,
    }
}

diesel::table! {
    receipts (id) {
        id -> BigInt,
        site_id -> BigInt,
        location_id -> BigInt,
        user_id -> BigInt,
        purchase_order_id -> Nullable<BigInt>,
        unit_cost_cents -> Nullable<BigInt>,
        note -> Nullable<Text>,
        received_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    stock_counts (id) {
        id -> BigInt,
        location_id -> BigInt,
        user_id -> BigInt,
        blind -> Bool,
        lines_counted -> Integer,
        discrepancies -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ledger (id) {
        id -> BigInt,
        lot_id -> BigInt,
        location_id -> BigInt,
        product_id -> BigInt,
        site_id -> BigInt,
        delta -> BigInt,
        kind -> Text,
        reason -> Nullable<Text>,
        note -> Nullable<Text>,
        user_id -> BigInt,
        occurred_at -> Timestamp,
        created_at -> Timestamp,
        session_id -> Nullable<BigInt>,
        session_line_id -> Nullable<BigInt>,
        receipt_id -> Nullable<BigInt>,
        purchase_order_id -> Nullable<BigInt>,
        purchase_order_line_id -> Nullable<BigInt>,
        stock_count_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    balances (lot_id, location_id) {
        lot_id -> BigInt,
        location_id -> BigInt,
        product_id -> BigInt,
        site_id -> BigInt,
        quantity -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor_name -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<Text>,
        summary -> Text,
        changes -> Text,
        site_id -> Nullable<BigInt>,
        client_address -> Nullable<Text>,
    }
}

diesel::table! {
    follow_ups (id) {
        id -> BigInt,
        session_id -> BigInt,
        observed_on -> Date,
        side_effects -> Text,
        side_effect_other -> Nullable<Text>,
        severity -> Text,
        note -> Nullable<Text>,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(locations -> sites (site_id));
diesel::joinable!(users -> sites (site_id));
diesel::joinable!(login_sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(products -> suppliers (supplier_id));
diesel::joinable!(lots -> products (product_id));
diesel::joinable!(protocol_lines -> protocols (protocol_id));
diesel::joinable!(protocol_lines -> products (product_id));
diesel::joinable!(treatment_sessions -> sites (site_id));
diesel::joinable!(treatment_sessions -> users (practitioner_id));
diesel::joinable!(treatment_sessions -> protocols (protocol_id));
diesel::joinable!(session_lines -> treatment_sessions (session_id));
diesel::joinable!(session_areas -> treatment_sessions (session_id));
diesel::joinable!(session_areas -> treatment_areas (area_id));
diesel::joinable!(session_lines -> products (product_id));
diesel::joinable!(purchase_orders -> suppliers (supplier_id));
diesel::joinable!(purchase_order_lines -> purchase_orders (purchase_order_id));
diesel::joinable!(purchase_order_lines -> products (product_id));
diesel::joinable!(stock_counts -> locations (location_id));
diesel::joinable!(ledger -> lots (lot_id));
diesel::joinable!(ledger -> locations (location_id));
diesel::joinable!(ledger -> products (product_id));
diesel::joinable!(ledger -> users (user_id));
diesel::joinable!(ledger -> treatment_sessions (session_id));
diesel::joinable!(follow_ups -> treatment_sessions (session_id));
diesel::joinable!(follow_ups -> users (user_id));
diesel::joinable!(balances -> lots (lot_id));
diesel::joinable!(balances -> locations (location_id));
diesel::joinable!(balances -> products (product_id));

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    sites,
    locations,
    users,
    login_sessions,
    api_tokens,
    suppliers,
    products,
    lots,
    protocols,
    protocol_lines,
    treatment_sessions,
    session_lines,
    purchase_orders,
    purchase_order_lines,
    receipts,
    stock_counts,
    ledger,
    balances,
    login_throttle,
    audit_log,
    follow_ups,
    treatment_areas,
    session_areas,
);

diesel::table! {
    health_probe (id) {
        id -> BigInt,
        checked_at -> Timestamp,
    }
}

diesel::table! {
    digest_runs (id) {
        id -> BigInt,
        site_id -> BigInt,
        local_date -> Date,
        status -> Text,
        claimed_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        error -> Nullable<Text>,
        attempts -> Integer,
        recipients -> Nullable<Text>,
        alerts -> Integer,
    }
}

diesel::joinable!(digest_runs -> sites (site_id));
diesel::allow_tables_to_appear_in_same_query!(digest_runs, sites);

diesel::table! {
    stock_versions (site_id) {
        site_id -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    indication_ranges (id) {
        id -> BigInt,
        indication -> Text,
        needle_min -> Integer,
        needle_max -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    session_warning_checks (session_id) {
        session_id -> BigInt,
        checked_by -> BigInt,
        checked_at -> Timestamp,
        codes -> Text,
    }
}

diesel::joinable!(session_warning_checks -> users (checked_by));
diesel::joinable!(session_warning_checks -> treatment_sessions (session_id));
diesel::allow_tables_to_appear_in_same_query!(session_warning_checks, users);
diesel::allow_tables_to_appear_in_same_query!(session_warning_checks, treatment_sessions);

diesel::table! {
    usage_days (site_id, day) {
        site_id -> BigInt,
        day -> Date,
        time_zone -> Text,
        body -> Binary,
    }
}
