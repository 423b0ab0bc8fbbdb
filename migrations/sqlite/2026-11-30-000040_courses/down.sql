DROP TABLE libraries;
DROP TABLE enrollments;
DROP TABLE courses;
