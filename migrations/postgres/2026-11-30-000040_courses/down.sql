DROP TABLE libraries;
DROP TABLE enrollments;
DROP TABLE courses;
DROP INDEX role_assignments_scope;
