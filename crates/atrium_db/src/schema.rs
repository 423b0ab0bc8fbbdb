// One schema for both backends: the migrations keep column types portable
// (BIGINT ids, TEXT for JSON, TIMESTAMP in UTC).

diesel::table! {
    tenants (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    operators (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    site_domains (domain) {
        domain -> Text,
        tenant_id -> BigInt,
        site_id -> BigInt,
        status -> Text,
    }
}

diesel::table! {
    idempotency_keys (caller, key) {
        caller -> Text,
        key -> Text,
        request_hash -> Text,
        status_code -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tenant_idempotency_keys (tenant_id, caller, key) {
        tenant_id -> BigInt,
        caller -> Text,
        key -> Text,
        request_hash -> Text,
        status_code -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sites (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        domain -> Text,
        name -> Text,
        is_primary -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        domain_status -> Text,
        previous_domain -> Nullable<Text>,
    }
}

diesel::table! {
    site_configurations (tenant_id, site_id) {
        tenant_id -> BigInt,
        site_id -> BigInt,
        values_json -> Text,
        enabled -> Bool,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    site_themes (tenant_id, site_id) {
        tenant_id -> BigInt,
        site_id -> BigInt,
        theme_name -> Text,
        branding_json -> Text,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    site_setting_changes (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        site_id -> BigInt,
        kind -> Text,
        actor -> Text,
        changed_at -> Timestamp,
        before_json -> Nullable<Text>,
        after_json -> Text,
    }
}

diesel::table! {
    organizations (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        short_name -> Text,
        name -> Text,
        description -> Text,
        parent_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        email -> Text,
        username -> Text,
        name -> Text,
        password_hash -> Text,
        is_active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    role_assignments (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        scope -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    operators,
    site_domains,
    idempotency_keys,
    tenant_idempotency_keys,
    sites,
    site_configurations,
    site_themes,
    site_setting_changes,
    organizations,
    users,
    role_assignments,
);

diesel::joinable!(site_domains -> tenants (tenant_id));
