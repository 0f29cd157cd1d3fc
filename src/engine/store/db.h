/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The state database: SQLite in WAL mode with a busy timeout, foreign
 * keys on, and a schema brought to the newest version by migrations at
 * open. One connection per thread (SQLite connections are not to be shared
 * between threads that run statements at once); processes share the file.
 * Every multi-row change runs inside db_transaction_begin/commit. */

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

typedef struct Db Db;

/* Opens (creating when missing) the database at path and migrates it. */
int db_open(Db **ret, const char *path, Error **err);
Db *db_free(Db *db);
DEFINE_CLEANUP(Db, db_free)

sqlite3 *db_handle(Db *db);
/* The schema version this build writes. */
int db_schema_version(void);

/* BEGIN IMMEDIATE: takes the write lock up front so two writers never
 * deadlock upgrading read locks; waits up to the busy timeout. */
int db_transaction_begin(Db *db, Error **err);
int db_transaction_commit(Db *db, Error **err);
/* Rolls back when a transaction is open; never fails. */
void db_transaction_rollback(Db *db);

/* Prepares a statement (cached per connection by SQL text, which the
 * cache keeps: sql must live as long as the connection, a literal). The
 * statement is reset and its bindings cleared when the cleanup runs. */
int db_prepare(Db *db, const char *sql, sqlite3_stmt **ret, Error **err);
void db_stmt_resetp(sqlite3_stmt **stmt);
#define _cleanup_stmt_ __attribute__((cleanup(db_stmt_resetp)))

/* Runs SQL without results (several statements allowed). */
int db_exec(Db *db, const char *sql, Error **err);

/* Turns the last SQLite error into an Error with context. */
int db_error(Db *db, Error **err, const char *context);
