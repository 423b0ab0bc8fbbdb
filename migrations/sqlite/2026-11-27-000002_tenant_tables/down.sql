DROP TABLE role_assignments;
DROP TABLE users;
DROP TABLE organizations;
DROP TABLE site_setting_changes;
DROP TABLE site_themes;
DROP TABLE site_configurations;
DROP TABLE sites;
