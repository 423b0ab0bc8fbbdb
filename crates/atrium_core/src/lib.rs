//! Shared vocabulary of every Atrium crate: typed ids, settings, validation
//! errors and list pages. It knows nothing of HTTP or of the database, so every
//! other crate can depend on it without pulling either in.

pub mod cache_stats;
pub mod etag;
pub mod failure;
pub mod host;
pub mod ids;
pub mod net;
pub mod page;
pub mod secrets;
pub mod settings;
pub mod validation;

pub use cache_stats::{CacheCounters, CacheReport};
pub use failure::{ErrorKind, Failure};
pub use host::{HostName, InvalidHost};
pub use ids::*;
pub use net::Cidr;
pub use page::{Page, PageRequest, SeekKey, SeekRequest};
pub use secrets::{redact_url, Scrubber};
pub use settings::{default_pool_size, Settings};
pub use validation::{is_email, is_key_part, is_name, FieldError, ValidationErrors};
