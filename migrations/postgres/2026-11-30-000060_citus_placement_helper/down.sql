DROP FUNCTION atrium_distribute_like(regclass, regclass);
