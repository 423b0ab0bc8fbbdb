//! Getting back into an account, and proving a mailbox: password resets
//! and email verification, both by a single-use link sent by mail.
//!
//! A link carries 32 random bytes (base64url); the database keeps only
//! their SHA-256, so a read of the database gives no usable link. The mail
//! is spooled in the same transaction as its token (`atrium_mail`), so a
//! token exists if and only if its mail will go out. What the mail says
//! comes from the site it was asked on, through the configuration helpers:
//! its `PLATFORM_NAME`, its domain in the link, its `contact_email`, and
//! its `email_from_address` (else the platform's `mail_from_address`).

use std::time::Duration;

use atrium_core::{SiteId, ValidationErrors};
use atrium_db::account_tokens::{self, EMAIL_VERIFICATION, PASSWORD_RESET};
use atrium_db::users::{self, UserRow};
use atrium_db::{Access, TenantScope, TenantTx};
use atrium_mail::{Mail, Outbox};
use chrono::NaiveDateTime;
use serde_json::Value;

use crate::accounts::record_account;
use crate::password_rules::check_new_password;
use crate::secrets::{hash_token, new_token};
use crate::{passwords, Account, Identity, IdentityError};
use atrium_audit::Author;
use atrium_permissions::Caller;

/// Site configuration keys read here (each with a platform default in
/// `site_defaults`, else the value below).
pub const REQUIRE_EMAIL_VERIFICATION: &str = "REQUIRE_EMAIL_VERIFICATION";
pub const EMAIL_FROM_ADDRESS: &str = "email_from_address";
pub const CONTACT_EMAIL: &str = "contact_email";
pub const PASSWORD_RESET_PATH: &str = "PASSWORD_RESET_PATH";
pub const EMAIL_VERIFICATION_PATH: &str = "EMAIL_VERIFICATION_PATH";
const DEFAULT_RESET_PATH: &str = "/reset-password";
const DEFAULT_VERIFICATION_PATH: &str = "/verify-email";

/// At most one reset mail per account in this time: asking again sooner
/// answers the same 202 and sends nothing (the first link still works), so
/// the endpoint cannot be used to flood someone's mailbox.
const RESET_SPACING: Duration = Duration::from_secs(60);

/// What the recovery flows need besides the service's own parts (from the
/// settings, see `atrium_core::Settings`).
#[derive(Debug, Clone)]
pub struct RecoveryOptions {
    /// Woken after a mail is spooled.
    pub outbox: Outbox,
    pub reset_ttl_secs: u64,
    pub verification_ttl_secs: u64,
    /// The sender when a site sets no `email_from_address`.
    pub from_address: String,
    /// Whether registration waits for verification when a site does not
    /// say (`REQUIRE_EMAIL_VERIFICATION`).
    pub require_verification: bool,
}

impl Default for RecoveryOptions {
    fn default() -> Self {
        Self {
            outbox: Outbox::default(),
            reset_ttl_secs: 3_600,
            verification_ttl_secs: 172_800,
            from_address: "noreply@localhost".into(),
            require_verification: false,
        }
    }
}

/// A fresh link secret and the hash the database keeps of it.
struct LinkToken {
    secret: String,
    hash: String,
}

impl LinkToken {
    fn new() -> Self {
        let (secret, hash) = new_token(32);
        Self { secret, hash }
    }
}

fn expiry(ttl_secs: u64) -> NaiveDateTime {
    chrono::Utc::now().naive_utc() + chrono::Duration::seconds(ttl_secs.min(i64::MAX as u64) as i64)
}

/// The one answer to a token that cannot be used: unknown (or of another
/// tenant), already used, or expired alike.
fn unusable_token() -> ValidationErrors {
    ValidationErrors::single("token", "is invalid, expired or already used")
}

/// What a mail of a site says about the site.
#[derive(Debug, Clone)]
struct SiteMail {
    platform_name: String,
    domain: String,
    contact_email: Option<String>,
    from_address: String,
}

impl SiteMail {
    fn link(&self, path: &str, secret: &str) -> String {
        format!("https://{}{path}?token={secret}", self.domain)
    }

    fn mail(&self, to: &str, subject: String, body: String) -> Result<Mail, IdentityError> {
        Mail::new(&self.platform_name, &self.from_address, to, subject, body)
            .map_err(|e| IdentityError::Mail(e.to_string()))
    }

    fn signature(&self) -> String {
        let mut text = String::new();
        if let Some(contact) = &self.contact_email {
            text.push_str(&format!("Questions? Write to {contact}.\n\n"));
        }
        text.push_str(&format!("-- \n{} ({})\n", self.platform_name, self.domain));
        text
    }

    fn reset_mail(&self, user: &UserRow, link: &str, ttl_secs: u64) -> Result<Mail, IdentityError> {
        let body = format!(
            "Hello {name},\n\n\
             Someone asked to reset the password of your {platform} account \
             ({email}) on {domain}.\n\
             To choose a new password, open this link within {minutes} minutes:\n\n\
             {link}\n\n\
             The link works once. If you did not ask for this, ignore this mail: \
             your password stays as it is.\n\n{signature}",
            name = greeting_name(user),
            platform = self.platform_name,
            email = user.email,
            domain = self.domain,
            minutes = ttl_secs.div_ceil(60),
            signature = self.signature(),
        );
        self.mail(
            &user.email,
            format!("Reset your {} password", self.platform_name),
            body,
        )
    }

    fn verification_mail(
        &self,
        user: &UserRow,
        link: &str,
        ttl_secs: u64,
    ) -> Result<Mail, IdentityError> {
        let body = format!(
            "Hello {name},\n\n\
             Welcome to {platform}. To confirm that {email} is your address \
             and finish creating your account on {domain}, open this link \
             within {hours} hours:\n\n\
             {link}\n\n\
             If you did not sign up, ignore this mail.\n\n{signature}",
            name = greeting_name(user),
            platform = self.platform_name,
            email = user.email,
            domain = self.domain,
            hours = ttl_secs.div_ceil(3600),
            signature = self.signature(),
        );
        self.mail(
            &user.email,
            format!("Confirm your email address for {}", self.platform_name),
            body,
        )
    }
}

fn greeting_name(user: &UserRow) -> &str {
    if user.name.trim().is_empty() {
        &user.username
    } else {
        &user.name
    }
}

/// A verification to start with a new account, decided before its
/// transaction (see [`Identity::pending_verification`]).
pub(crate) struct PendingVerification {
    site: SiteMail,
    path: String,
    token: LinkToken,
    ttl_secs: u64,
}

impl PendingVerification {
    /// In the account's transaction: marks it unverified, stores the token
    /// and spools the mail.
    pub(crate) fn start(
        &self,
        tx: &mut TenantTx<'_>,
        user: &mut UserRow,
    ) -> Result<(), IdentityError> {
        users::set_email_verified(tx, user.id, false)?;
        user.email_verified = false;
        account_tokens::insert(
            tx,
            user.id,
            EMAIL_VERIFICATION,
            &self.token.hash,
            expiry(self.ttl_secs),
        )?;
        let link = self.site.link(&self.path, &self.token.secret);
        let mail = self
            .site
            .verification_mail(user, &link, self.ttl_secs)
            .map_err(|_| {
                ValidationErrors::single("email", "is not an address mail can be sent to")
            })?;
        atrium_mail::tx::enqueue(tx, &mail)?;
        Ok(())
    }
}

impl Identity {
    /// Wires the mail flows to the process's settings and outbox.
    pub fn with_recovery(mut self, options: RecoveryOptions) -> Self {
        self.recovery = options;
        self
    }

    async fn text_setting(
        &self,
        scope: TenantScope,
        site: SiteId,
        key: &str,
        default: &str,
    ) -> Result<String, IdentityError> {
        let value = self
            .site_config
            .value(scope, site, key, Value::String(default.to_owned()))
            .await
            .map_err(|e| IdentityError::Site(Box::new(e)))?;
        Ok(value
            .as_str()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .unwrap_or(default)
            .to_owned())
    }

    async fn site_mail(&self, scope: TenantScope, site: SiteId) -> Result<SiteMail, IdentityError> {
        let public = self
            .site_config
            .public_site(scope, site)
            .await
            .map_err(|e| IdentityError::Site(Box::new(e)))?;
        let contact = self.text_setting(scope, site, CONTACT_EMAIL, "").await?;
        let from_address = self
            .text_setting(scope, site, EMAIL_FROM_ADDRESS, &self.recovery.from_address)
            .await?;
        Ok(SiteMail {
            platform_name: public.platform_name,
            domain: public.domain,
            contact_email: (!contact.is_empty()).then_some(contact),
            from_address,
        })
    }

    /// `POST /auth/password-reset`: when `email` is an active account of
    /// the tenant, a reset link is mailed to it. The caller learns nothing
    /// either way (the same answer, and the same work up to the lookup:
    /// the site's mail settings are read and the token made regardless).
    pub async fn request_password_reset(
        &self,
        scope: TenantScope,
        site: SiteId,
        email: &str,
    ) -> Result<(), IdentityError> {
        let email = email.trim().to_lowercase();
        let site_mail = self.site_mail(scope, site).await?;
        let path = self
            .text_setting(scope, site, PASSWORD_RESET_PATH, DEFAULT_RESET_PATH)
            .await?;
        let token = LinkToken::new();
        let ttl_secs = self.recovery.reset_ttl_secs;
        let spacing = chrono::Duration::from_std(RESET_SPACING).unwrap_or_default();
        let spooled = self
            .db
            .tenant(scope, Access::Write, move |tx| {
                let user = users::find_by_login(tx, &email)?
                    .filter(|user| user.is_active && user.email.eq_ignore_ascii_case(&email));
                let Some(user) = user else {
                    return Ok(false);
                };
                let recent = chrono::Utc::now().naive_utc() - spacing;
                if account_tokens::count_since(tx, user.id, PASSWORD_RESET, recent)? > 0 {
                    return Ok(false);
                }
                let link = site_mail.link(&path, &token.secret);
                let mail = match site_mail.reset_mail(&user, &link, ttl_secs) {
                    Ok(mail) => mail,
                    // Still the same 202: an error here would tell that
                    // the account exists.
                    Err(e) => {
                        tracing::warn!(user = user.id, error = %e, "no reset mail: the address is refused");
                        return Ok(false);
                    }
                };
                account_tokens::insert(tx, user.id, PASSWORD_RESET, &token.hash, expiry(ttl_secs))?;
                atrium_mail::tx::enqueue(tx, &mail)?;
                Ok::<_, IdentityError>(true)
            })
            .await?;
        if spooled {
            self.recovery.outbox.wake();
        }
        Ok(())
    }

    /// `POST /auth/password-reset/confirm`: a usable reset token of this
    /// tenant sets a new password. The token and every other reset token of
    /// the account are spent, the email counts as verified (its owner read
    /// the mail), and every refresh token of the account is revoked. An
    /// account made without a password gets its first one this way.
    pub async fn confirm_password_reset(
        &self,
        scope: TenantScope,
        token: &str,
        password: &str,
    ) -> Result<(), IdentityError> {
        let hash = hash_token(token.trim());
        let lookup = hash.clone();
        let user = self
            .db
            .tenant(scope, Access::Read, move |tx| {
                let Some(token) = account_tokens::find_usable(tx, PASSWORD_RESET, &lookup)? else {
                    return Ok(None);
                };
                let user = users::get(tx, token.user_id)?;
                Ok::<_, IdentityError>(user.is_active.then_some(user))
            })
            .await?;
        let mut errors = match &user {
            Some(_) => ValidationErrors::default(),
            None => unusable_token(),
        };
        // The account's own names are known only with a usable token.
        let personal: Vec<&str> = user
            .iter()
            .flat_map(|u| [u.username.as_str(), u.email.as_str()])
            .collect();
        check_new_password(&mut errors, "password", password, &personal);
        errors.into_result()?;
        let password_hash = passwords::hash(password.to_owned()).await?;
        // The holder of the mailed link is nobody the API knows.
        let author = Author::of(&Caller::Anonymous);
        self.db
            .tenant(scope, Access::Write, move |tx| {
                // Spent here, not when read above: of two requests racing
                // with one token, one gets it.
                let Some(user_id) = account_tokens::spend(tx, PASSWORD_RESET, &hash)? else {
                    return Err(unusable_token().into());
                };
                // Deactivated since the read above: refused like any
                // unusable token (the rollback leaves the token as it was).
                let before = users::get(tx, user_id)?;
                if !before.is_active {
                    return Err(unusable_token().into());
                }
                users::set_password_hash(tx, user_id, &password_hash)?;
                users::set_email_verified(tx, user_id, true)?;
                atrium_db::refresh_tokens::revoke_user(tx, user_id)?;
                let after = Account::from(users::get(tx, user_id)?);
                record_account(
                    tx,
                    &author,
                    "user.password_reset",
                    after.id,
                    Some(&Account::from(before)),
                    Some(&after),
                    true,
                )?;
                Ok::<_, IdentityError>(())
            })
            .await
    }

    /// `POST /auth/verify-email`: a usable verification token of this
    /// tenant marks its account's email verified.
    pub async fn verify_email(&self, scope: TenantScope, token: &str) -> Result<(), IdentityError> {
        let hash = hash_token(token.trim());
        let author = Author::of(&Caller::Anonymous);
        self.db
            .tenant(scope, Access::Write, move |tx| {
                let Some(user_id) = account_tokens::spend(tx, EMAIL_VERIFICATION, &hash)? else {
                    return Err(unusable_token().into());
                };
                let before = Account::from(users::get(tx, user_id)?);
                users::set_email_verified(tx, user_id, true)?;
                let after = Account::from(users::get(tx, user_id)?);
                record_account(
                    tx,
                    &author,
                    "user.email_verified",
                    after.id,
                    Some(&before),
                    Some(&after),
                    false,
                )?;
                Ok::<_, IdentityError>(())
            })
            .await
    }

    /// Whether a registration on `site` must verify its email, and if so
    /// everything its transaction needs to start that.
    pub(crate) async fn pending_verification(
        &self,
        scope: TenantScope,
        site: SiteId,
    ) -> Result<Option<PendingVerification>, IdentityError> {
        let required = self
            .site_config
            .value(
                scope,
                site,
                REQUIRE_EMAIL_VERIFICATION,
                Value::Bool(self.recovery.require_verification),
            )
            .await
            .map_err(|e| IdentityError::Site(Box::new(e)))?
            .as_bool()
            .unwrap_or(self.recovery.require_verification);
        if !required {
            return Ok(None);
        }
        Ok(Some(PendingVerification {
            site: self.site_mail(scope, site).await?,
            path: self
                .text_setting(
                    scope,
                    site,
                    EMAIL_VERIFICATION_PATH,
                    DEFAULT_VERIFICATION_PATH,
                )
                .await?,
            token: LinkToken::new(),
            ttl_secs: self.recovery.verification_ttl_secs,
        }))
    }

    /// After a transaction that spooled mail.
    pub(crate) fn mail_spooled(&self) {
        self.recovery.outbox.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_are_random_and_stored_only_as_their_hash() {
        let first = LinkToken::new();
        let second = LinkToken::new();
        assert_ne!(first.secret, second.secret);
        // 32 bytes in base64url without padding.
        assert_eq!(first.secret.len(), 43);
        assert!(first
            .secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(first.hash, hash_token(&first.secret));
        assert_eq!(first.hash.len(), 64);
        assert!(!first.hash.contains(&first.secret));
    }

    #[test]
    fn the_mail_names_the_site() {
        let site = SiteMail {
            platform_name: "Acme Learning".into(),
            domain: "learn.acme.test".into(),
            contact_email: Some("help@acme.test".into()),
            from_address: "noreply@acme.test".into(),
        };
        let user = UserRow {
            id: 1,
            email: "ada@acme.test".into(),
            username: "ada".into(),
            name: String::new(),
            password_hash: String::new(),
            is_active: true,
            created_at: Default::default(),
            updated_at: Default::default(),
            email_verified: true,
        };
        let link = site.link("/reset-password", "abc");
        assert_eq!(link, "https://learn.acme.test/reset-password?token=abc");
        let mail = site.reset_mail(&user, &link, 3600).unwrap();
        assert_eq!(mail.subject(), "Reset your Acme Learning password");
        for part in ["Hello ada,", &link, "help@acme.test", "60 minutes"] {
            assert!(mail.body().contains(part), "{part}: {}", mail.body());
        }
    }
}
