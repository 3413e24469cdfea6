-- Local stack only (production runs MongoDB). FerretDB 1.24's PostgreSQL backend filters a
-- field with `_jsonb -> $1 @> $2`: the field name is a bind parameter and `@>` is not a btree
-- operator, so its own expression indexes never serve a query and every lookup, even by _id,
-- is a sequential scan of the collection (30 ms at 1,000 invoices, growing with the table).
-- With plan_cache_mode=force_custom_plan (set on the server's command line) the field name is
-- planned as a constant, and a GIN index on each field FerretDB indexes turns those lookups into
-- index scans. This event trigger adds that GIN index whenever FerretDB creates a btree index on
-- `(_jsonb -> 'field')`; the DO block at the end covers indexes created before it existed.

CREATE OR REPLACE FUNCTION selfcare_gin_for(index_oid oid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    table_oid oid;
    columns int;
    field text;
    k int;
BEGIN
    SELECT i.indrelid, i.indnatts INTO table_oid, columns
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
    WHERE i.indexrelid = index_oid AND a.amname = 'btree';
    IF table_oid IS NULL THEN
        RETURN;
    END IF;
    FOR k IN 1..columns LOOP
        field := substring(pg_get_indexdef(index_oid, k, true) FROM '^\(?_jsonb -> ''([^'']+)''::text\)?$');
        IF field IS NOT NULL THEN
            EXECUTE format(
                'CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> %L))',
                'gin_' || md5(table_oid::regclass::text || '/' || field),
                table_oid::regclass, field
            );
        END IF;
    END LOOP;
END $$;

CREATE OR REPLACE FUNCTION selfcare_gin_on_create_index() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
    command record;
BEGIN
    FOR command IN SELECT objid FROM pg_event_trigger_ddl_commands()
                   WHERE command_tag = 'CREATE INDEX' AND object_type = 'index' LOOP
        PERFORM selfcare_gin_for(command.objid);
    END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS selfcare_gin;
CREATE EVENT TRIGGER selfcare_gin ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
    EXECUTE FUNCTION selfcare_gin_on_create_index();

DO $$
DECLARE
    index_oid oid;
BEGIN
    FOR index_oid IN
        SELECT i.indexrelid FROM pg_index i JOIN pg_attribute a
            ON a.attrelid = i.indrelid AND a.attname = '_jsonb'
        JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    LOOP
        PERFORM selfcare_gin_for(index_oid);
    END LOOP;
END $$;
