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
        is_active -> Bool,
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
    organizations (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        short_name -> Text,
        name -> Text,
        description -> Text,
        parent_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        logo_url -> Text,
        is_active -> Bool,
        is_root -> Bool,
    }
}

diesel::table! {
    organization_members (tenant_id, organization_id, user_id) {
        tenant_id -> BigInt,
        organization_id -> BigInt,
        user_id -> BigInt,
        is_active -> Bool,
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
        email_verified -> Bool,
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
        organization_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    course_creator_requests (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        user_id -> BigInt,
        organization_id -> BigInt,
        state -> Text,
        message -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        actor -> Text,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        request_id -> Nullable<Text>,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    platform_audit_events (id) {
        id -> BigInt,
        actor -> Text,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        request_id -> Nullable<Text>,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        user_id -> BigInt,
        family -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        spent_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    operator_refresh_tokens (id) {
        id -> BigInt,
        operator_id -> BigInt,
        family -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        spent_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        algorithm -> Text,
        public_key -> Text,
        sealed_private_key -> Text,
        created_at -> Timestamp,
        superseded_at -> Nullable<Timestamp>,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_clients (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        client_id -> Text,
        name -> Text,
        secret_hash -> Text,
        scopes -> Text,
        organization_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    account_tokens (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        tenant_id -> Nullable<BigInt>,
        sender -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    courses (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        organization_id -> BigInt,
        course_key -> Text,
        number -> Text,
        run -> Text,
        display_name -> Text,
        short_description -> Text,
        language -> Text,
        visibility -> Text,
        invitation_only -> Bool,
        enrollment_limit -> Nullable<Integer>,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        enrollment_starts_at -> Nullable<Timestamp>,
        enrollment_ends_at -> Nullable<Timestamp>,
        rerun_of -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    enrollments (tenant_id, course_id, user_id) {
        tenant_id -> BigInt,
        course_id -> BigInt,
        user_id -> BigInt,
        mode -> Text,
        is_active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    libraries (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        organization_id -> BigInt,
        library_key -> Text,
        slug -> Text,
        display_name -> Text,
        description -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
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
    organizations,
    organization_members,
    users,
    role_assignments,
    course_creator_requests,
    audit_events,
    platform_audit_events,
    refresh_tokens,
    operator_refresh_tokens,
    signing_keys,
    api_clients,
    account_tokens,
    mail_outbox,
    courses,
    enrollments,
    libraries,
);

diesel::joinable!(site_domains -> tenants (tenant_id));
