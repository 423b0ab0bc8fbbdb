//! The courses domain's service: one value shared by the gateway, whose
//! methods live beside the rules they apply (Studio, the catalog, the
//! course team, enrollments, libraries).

use atrium_db::Db;

pub struct Courses {
    pub(crate) db: Db,
}

impl Courses {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}
