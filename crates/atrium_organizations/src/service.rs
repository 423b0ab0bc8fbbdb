//! The organizations domain's service: one value shared by the gateway,
//! whose methods live beside the rules they apply (the tree, memberships,
//! role assignments, course-creator requests).

use atrium_db::Db;

pub struct Organizations {
    pub(crate) db: Db,
}

impl Organizations {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}
