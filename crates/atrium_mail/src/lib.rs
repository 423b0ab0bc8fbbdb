//! Outgoing mail: composing a message, spooling it in the `mail_outbox`
//! table inside the transaction that decides to send it, and delivering the
//! spool in the background over SMTP or into a folder of `.eml` files.
//!
//! What a mail says is its sender's business (`atrium_identity` writes the
//! password-reset and verification mails); this crate only checks that its
//! addresses are addresses and gets it out. Delivery is at least once: a
//! replica that dies between sending and deleting the row sends it again
//! after the lease, with the same `Message-ID` so that mail systems can
//! recognise the repeat.

mod delivery;

use std::sync::Arc;

use atrium_db::{DbError, TenantTx};
use lettre::message::Mailbox;
use lettre::Address;
use tokio::sync::Notify;

pub use delivery::{spawn_delivery, DeliveryOptions, Transport};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid mail address {0:?}")]
    Address(String),
    #[error("mail_transport: {0}")]
    Transport(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A plain-text mail, its addresses checked.
#[derive(Debug, Clone)]
pub struct Mail {
    from: Mailbox,
    to: Mailbox,
    subject: String,
    body: String,
}

impl Mail {
    /// A mail from `from_address` shown as `from_name`, to `to`.
    pub fn new(
        from_name: &str,
        from_address: &str,
        to: &str,
        subject: impl Into<String>,
        body: impl Into<String>,
    ) -> Result<Self, MailError> {
        let address = |text: &str| {
            text.trim()
                .parse::<Address>()
                .map_err(|_| MailError::Address(text.to_owned()))
        };
        // A display name is one header line: no line breaks in it.
        let name = from_name.replace(['\r', '\n'], " ");
        Ok(Self {
            from: Mailbox::new(Some(name.trim().to_owned()), address(from_address)?),
            to: Mailbox::new(None, address(to)?),
            subject: subject.into().replace(['\r', '\n'], " "),
            body: body.into(),
        })
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn body(&self) -> &str {
        &self.body
    }
}

/// Checks that `address` is a mail address as the transports understand
/// it (for settings read at start).
pub fn check_address(address: &str) -> Result<(), MailError> {
    address
        .parse::<Address>()
        .map(drop)
        .map_err(|_| MailError::Address(address.to_owned()))
}

/// The handle to the spool that senders hold: after their transaction
/// commits they [`Outbox::wake`] the delivery worker of this process,
/// which otherwise looks every few seconds (for mail spooled by other
/// replicas and for retries).
#[derive(Debug, Clone, Default)]
pub struct Outbox {
    wake: Arc<Notify>,
}

impl Outbox {
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Spooling inside a caller's transaction.
pub mod tx {
    use super::*;
    use atrium_db::mail_outbox::{self, NewMail};

    /// Spools `mail` for the transaction's tenant; it is sent only if the
    /// transaction commits.
    pub fn enqueue(tx: &mut TenantTx<'_>, mail: &Mail) -> Result<(), DbError> {
        mail_outbox::enqueue(
            tx,
            NewMail {
                sender: &mail.from.to_string(),
                recipient: &mail.to.to_string(),
                subject: &mail.subject,
                body_text: &mail.body,
            },
        )
        .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_headers_stay_one_line() {
        let mail = Mail::new(
            "Acme\r\nBcc: x@evil.test",
            "noreply@acme.test",
            "ada@acme.test",
            "Hi\nthere",
            "body",
        )
        .unwrap();
        assert!(!mail.from.to_string().contains('\n'));
        assert_eq!(mail.subject(), "Hi there");
        assert!(Mail::new("Acme", "not an address", "ada@acme.test", "s", "b").is_err());
        assert!(Mail::new("Acme", "noreply@acme.test", "nope", "s", "b").is_err());
        assert!(check_address("noreply@localhost").is_ok());
    }
}
