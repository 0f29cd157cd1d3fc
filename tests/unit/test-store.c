/* SPDX-License-Identifier: Apache-2.0 */
/* The state database (migrations, transactions, statement cache) and
 * object locks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "lock.h"
#include "xalloc.h"

static char *temp_dir(void) {
        char *dir = xstrdup("/tmp/varpod-test-store-XXXXXX");
        assert_non_null(mkdtemp(dir));
        return dir;
}

static void remove_dir(const char *dir) {
        _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

static void test_open_migrates(void **state) {
        _cleanup_free_ char *dir = temp_dir();
        _cleanup_free_ char *path = xasprintf("%s/state.db", dir);
        Db *db = NULL;
        assert_int_equal(db_open(&db, path, NULL), 0);
        sqlite3_stmt *s = NULL;
        assert_int_equal(db_prepare(db, "PRAGMA user_version", &s, NULL), 0);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(s, 0), db_schema_version());
        sqlite3_reset(s);
        assert_int_equal(db_prepare(db, "PRAGMA journal_mode", &s, NULL), 0);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
        sqlite3_reset(s);
        db_free(db);

        /* Opening again finds the schema current and changes nothing. */
        assert_int_equal(db_open(&db, path, NULL), 0);
        db_free(db);
        remove_dir(dir);
}

static void test_newer_schema_refused(void **state) {
        _cleanup_free_ char *dir = temp_dir();
        _cleanup_free_ char *path = xasprintf("%s/state.db", dir);
        Db *db = NULL;
        assert_int_equal(db_open(&db, path, NULL), 0);
        assert_int_equal(db_exec(db, "PRAGMA user_version = 999", NULL), 0);
        db_free(db);
        Error *e = NULL;
        assert_int_equal(db_open(&db, path, &e), -1);
        assert_int_equal(e->kind, ERR_NOT_SUPPORTED);
        assert_non_null(strstr(e->message, "newer than this varpod"));
        err_free(e);
        remove_dir(dir);
}

static void test_transactions_and_constraints(void **state) {
        _cleanup_free_ char *dir = temp_dir();
        _cleanup_free_ char *path = xasprintf("%s/state.db", dir);
        Db *db = NULL;
        assert_int_equal(db_open(&db, path, NULL), 0);

        assert_int_equal(db_transaction_begin(db, NULL), 0);
        assert_int_equal(db_exec(db,
                                 "INSERT INTO layers (chain_id, diff_id, size, created) "
                                 "VALUES ('sha256:a', 'sha256:a', 1, 0)",
                                 NULL),
                         0);
        db_transaction_rollback(db);

        sqlite3_stmt *s = NULL;
        assert_int_equal(db_prepare(db, "SELECT count(*) FROM layers", &s, NULL), 0);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(s, 0), 0);
        sqlite3_reset(s);

        /* Foreign keys are enforced: a layer needs its parent. */
        Error *e = NULL;
        assert_int_equal(db_exec(db,
                                 "INSERT INTO layers (chain_id, diff_id, parent, size, created) "
                                 "VALUES ('sha256:b', 'sha256:b', 'sha256:none', 1, 0)",
                                 &e),
                         -1);
        assert_non_null(strstr(e->message, "FOREIGN KEY"));
        err_free(e);
        db_free(db);
        remove_dir(dir);
}

typedef struct Counter {
        const char *runroot;
        int value;
        int overlaps;
        int inside;
} Counter;

static void *locked_increment(void *arg) {
        Counter *c = arg;
        for (int i = 0; i < 200; i++) {
                Lock l = LOCK_INIT;
                assert_int_equal(lock_acquire(c->runroot, "image", "abc", true, &l, NULL), 0);
                if (__atomic_add_fetch(&c->inside, 1, __ATOMIC_SEQ_CST) != 1)
                        __atomic_add_fetch(&c->overlaps, 1, __ATOMIC_SEQ_CST);
                c->value++;
                __atomic_sub_fetch(&c->inside, 1, __ATOMIC_SEQ_CST);
                lock_release(&l);
        }
        return NULL;
}

static void test_locks_exclude_threads(void **state) {
        _cleanup_free_ char *dir = temp_dir();
        Counter c = { .runroot = dir };
        pthread_t t[4];
        for (int i = 0; i < 4; i++)
                assert_int_equal(pthread_create(&t[i], NULL, locked_increment, &c), 0);
        for (int i = 0; i < 4; i++)
                pthread_join(t[i], NULL);
        assert_int_equal(c.value, 800);
        assert_int_equal(c.overlaps, 0);

        Lock a = LOCK_INIT, b = LOCK_INIT;
        assert_int_equal(lock_acquire(dir, "image", "x", false, &a, NULL), 0);
        assert_int_equal(lock_try_acquire(dir, "image", "x", false, &b, NULL), 0); /* shared */
        lock_release(&b);
        Error *e = NULL;
        assert_int_equal(lock_try_acquire(dir, "image", "x", true, &b, &e), -1);
        assert_int_equal(e->kind, ERR_BAD_STATE);
        err_free(e);
        lock_release(&a);
        assert_int_equal(lock_try_acquire(dir, "image", "x", true, &b, NULL), 0);
        lock_release(&b);
        e = NULL;
        assert_int_equal(lock_acquire(dir, "image", "../x", true, &b, &e), -1);
        err_free(e);
        remove_dir(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_open_migrates),
                cmocka_unit_test(test_newer_schema_refused),
                cmocka_unit_test(test_transactions_and_constraints),
                cmocka_unit_test(test_locks_exclude_threads),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
