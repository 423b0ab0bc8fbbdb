//! The catalog's reads of courses: public courses of a site's
//! organizations, in a stable keyset order.
