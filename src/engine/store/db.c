/* SPDX-License-Identifier: Apache-2.0 */
#include "db.h"

#include <errno.h>
#include <string.h>

#include "xalloc.h"

/* How long a writer waits for another process or thread holding the
 * database lock before failing. */
#define DB_BUSY_TIMEOUT_MS 30000

extern const char db_schema_1_sql[];
extern const char db_schema_2_sql[];
extern const char db_schema_3_sql[];
extern const char db_schema_4_sql[];
extern const char db_schema_5_sql[];

/* Migration N takes the database from version N-1 to N. */
static const char *const db_migrations[] = {
        db_schema_1_sql, db_schema_2_sql, db_schema_3_sql, db_schema_4_sql, db_schema_5_sql,
};

typedef struct CachedStmt {
        const char *sql;
        sqlite3_stmt *stmt;
} CachedStmt;

struct Db {
        sqlite3 *handle;
        CachedStmt *stmts;
        size_t n_stmts, cap_stmts;
        bool in_transaction;
};

int db_schema_version(void) { return (int)ELEMENTSOF(db_migrations); }

sqlite3 *db_handle(Db *db) { return db->handle; }

int db_error(Db *db, Error **err, const char *context) {
        int code = sqlite3_extended_errcode(db->handle);
        ErrorKind kind = (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED
                                 ? ERR_TIMEOUT
                         : (code & 0xff) == SQLITE_CONSTRAINT ? ERR_EXISTS
                                                              : ERR_INTERNAL;
        return err_set(err, kind, 0, "database: %s: %s", context, sqlite3_errmsg(db->handle));
}

int db_exec(Db *db, const char *sql, Error **err) {
        char *msg = NULL;
        if (sqlite3_exec(db->handle, sql, NULL, NULL, &msg) != SQLITE_OK) {
                int r = err_set(err, ERR_INTERNAL, 0, "database: %s", msg ? msg : "exec failed");
                sqlite3_free(msg);
                return r;
        }
        return 0;
}

static int db_user_version(Db *db, int *ret, Error **err) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(db->handle, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
                return db_error(db, err, "read schema version");
        int r = sqlite3_step(s);
        *ret = r == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
        sqlite3_finalize(s);
        return r == SQLITE_ROW ? 0 : db_error(db, err, "read schema version");
}

static int db_migrate(Db *db, Error **err) {
        if (db_transaction_begin(db, err) < 0)
                return -1;
        int version;
        if (db_user_version(db, &version, err) < 0)
                goto fail;
        if (version > db_schema_version()) {
                err_set(err, ERR_NOT_SUPPORTED, 0,
                        "database schema version %d is newer than this varpod (%d)", version,
                        db_schema_version());
                goto fail;
        }
        for (int v = version; v < db_schema_version(); v++) {
                if (db_exec(db, db_migrations[v], err) < 0) {
                        err_wrap(err, "migrate to schema version %d", v + 1);
                        goto fail;
                }
        }
        if (version < db_schema_version()) {
                _cleanup_free_ char *sql =
                        xasprintf("PRAGMA user_version = %d", db_schema_version());
                if (db_exec(db, sql, err) < 0)
                        goto fail;
        }
        return db_transaction_commit(db, err);
fail:
        db_transaction_rollback(db);
        return -1;
}

int db_open(Db **ret, const char *path, Error **err) {
        _cleanup_(db_freep) Db *db = xnew0(Db, 1);
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
        if (sqlite3_open_v2(path, &db->handle, flags, NULL) != SQLITE_OK) {
                int r = err_set(err, ERR_SYSTEM, 0, "open database `%s`: %s", path,
                                db->handle ? sqlite3_errmsg(db->handle) : "out of memory");
                return r;
        }
        sqlite3_busy_timeout(db->handle, DB_BUSY_TIMEOUT_MS);
        /* WAL lets readers (ListImages) run while a pull writes; NORMAL
         * sync is safe in WAL mode (a crash loses at most the last commit,
         * never consistency). Reads go through a mapping of the file
         * rather than a private page cache per pooled connection: a
         * listing of thousands of containers otherwise re-reads them. */
        if (db_exec(db,
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                    "PRAGMA foreign_keys = ON; PRAGMA mmap_size = 268435456;",
                    err) < 0 ||
            db_migrate(db, err) < 0)
                return err_wrap(err, "open database `%s`", path);
        *ret = TAKE_PTR(db);
        return 0;
}

Db *db_free(Db *db) {
        if (!db)
                return NULL;
        for (size_t i = 0; i < db->n_stmts; i++)
                sqlite3_finalize(db->stmts[i].stmt);
        free(db->stmts);
        sqlite3_close(db->handle);
        free(db);
        return NULL;
}

int db_transaction_begin(Db *db, Error **err) {
        if (db_exec(db, "BEGIN IMMEDIATE", err) < 0)
                return err_wrap(err, "begin transaction");
        db->in_transaction = true;
        return 0;
}

int db_transaction_commit(Db *db, Error **err) {
        if (db_exec(db, "COMMIT", err) < 0) {
                db_transaction_rollback(db);
                return err_wrap(err, "commit");
        }
        db->in_transaction = false;
        return 0;
}

void db_transaction_rollback(Db *db) {
        if (db->in_transaction)
                (void)sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
        db->in_transaction = false;
}

int db_prepare(Db *db, const char *sql, sqlite3_stmt **ret, Error **err) {
        for (size_t i = 0; i < db->n_stmts; i++)
                if (db->stmts[i].sql == sql || STREQ(db->stmts[i].sql, sql)) {
                        *ret = db->stmts[i].stmt;
                        return 0;
                }
        sqlite3_stmt *s;
        if (sqlite3_prepare_v3(db->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
            SQLITE_OK)
                return db_error(db, err, "prepare");
        xgrow((void **)&db->stmts, &db->cap_stmts, db->n_stmts + 1, sizeof *db->stmts);
        db->stmts[db->n_stmts++] = (CachedStmt){ .sql = sql, .stmt = s };
        *ret = s;
        return 0;
}

void db_stmt_resetp(sqlite3_stmt **stmt) {
        if (*stmt) {
                sqlite3_reset(*stmt);
                sqlite3_clear_bindings(*stmt);
        }
}
