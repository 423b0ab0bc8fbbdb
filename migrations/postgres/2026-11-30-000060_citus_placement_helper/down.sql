DROP FUNCTION atrium_distribute_like(regclass, regclass);
DROP FUNCTION atrium_is_tenant_table(regclass);
