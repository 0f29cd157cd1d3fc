/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json-util.h"
#include "macro.h"
#include "toml.h"
#include "xalloc.h"

/* Valid documents and the JSON they read as. */
static const struct {
        const char *toml, *json;
} good[] = {
        { "", "{}" },
        { "# only a comment\n", "{}" },
        { "  \n\t\n", "{}" },
        { "a = 1", "{\"a\": 1}" },
        { "a = 1\r\nb = 2\r\n", "{\"a\": 1, \"b\": 2}" },
        { "a\t=\t1\t#\tcomment with \xc3\xa9\n", "{\"a\": 1}" },
        { "A-b_9 = true\n-_- = false", "{\"A-b_9\": true, \"-_-\": false}" },
        { "\"a b\" = 1\n'c.d' = 2\n\"\" = 3", "{\"a b\": 1, \"c.d\": 2, \"\": 3}" },
        { "true = 1\nfalse = 2\ninf = 3\n2000-01-01 = 4\n0x10 = 5",
          "{\"true\": 1, \"false\": 2, \"inf\": 3, \"2000-01-01\": 4, \"0x10\": 5}" },
        { "a.b.c = 1\na.d = 2", "{\"a\": {\"b\": {\"c\": 1}, \"d\": 2}}" },
        { "a . b\t.c = 1", "{\"a\": {\"b\": {\"c\": 1}}}" },
        { "site.\"google.com\" = true", "{\"site\": {\"google.com\": true}}" },
        { "1.2 = 3", "{\"1\": {\"2\": 3}}" },
        { "\"\xc3\xa9\" = \"\xc3\xbc\"", "{\"\xc3\xa9\": \"\xc3\xbc\"}" },
        { "\xef\xbb\xbf[t]\na = 1", "{\"t\": {\"a\": 1}}" },
        /* strings */
        { "a = \"t\\tn\\n\\\"q\\\"\\\\ \\u00e9 \\U0001F600\"",
          "{\"a\": \"t\\tn\\n\\\"q\\\"\\\\ \\u00e9 \\ud83d\\ude00\"}" },
        { "a = \"\\b\\f\\r\"", "{\"a\": \"\\b\\f\\r\"}" },
        { "a = \"x\\u0000y\"", "{\"a\": \"x\\u0000y\"}" },
        { "a = 'C:\\path\\x'", "{\"a\": \"C:\\\\path\\\\x\"}" },
        { "a = \"\"\nb = ''\nc = \"\"\"\"\"\"\nd = ''''''",
          "{\"a\": \"\", \"b\": \"\", \"c\": \"\", \"d\": \"\"}" },
        { "a = \"\"\"\nline1\nline2\"\"\"", "{\"a\": \"line1\\nline2\"}" },
        { "a = \"\"\"\\\n   x \\\n\n  y\"\"\"", "{\"a\": \"x y\"}" },
        { "a = \"\"\"x \\  \r\n  y\"\"\"", "{\"a\": \"x y\"}" },
        { "a = \"\"\"a\"\"b\"\"\"", "{\"a\": \"a\\\"\\\"b\"}" },
        { "a = \"\"\"\"a\"\"\"\"", "{\"a\": \"\\\"a\\\"\"}" },
        { "a = \"\"\"a\"\"\"\"\"", "{\"a\": \"a\\\"\\\"\"}" },
        { "a = \"\"\"x\r\ny\"\"\"", "{\"a\": \"x\\ny\"}" },
        { "a = \"\"\"tab\there\"\"\"", "{\"a\": \"tab\\there\"}" },
        { "a = '''\nraw \\n '''", "{\"a\": \"raw \\\\n \"}" },
        { "a = ''''x'''''", "{\"a\": \"'x''\"}" },
        { "a = '''\r\nx\r\n'''", "{\"a\": \"x\\n\"}" },
        /* integers */
        { "a = [0, +99, -17, 1_000, 5_349_221, 1_2_3_4_5]",
          "{\"a\": [0, 99, -17, 1000, 5349221, 12345]}" },
        { "a = [0xDEADBEEF, 0xdead_beef, 0o755, 0o0_1, 0b1101_0101, 0x0, 0o0, 0b0]",
          "{\"a\": [3735928559, 3735928559, 493, 1, 213, 0, 0, 0]}" },
        { "a = [+0, -0, 9223372036854775807, -9223372036854775808, 0x7fffffffffffffff]",
          "{\"a\": [0, 0, 9223372036854775807, -9223372036854775808, 9223372036854775807]}" },
        /* floats */
        { "a = [+1.0, 3.1415, -0.01, 5e+22, 1e06, -2E-2, 6.626e-34, 224_617.445_991]",
          "{\"a\": [1.0, 3.1415, -0.01, 5e+22, 1e06, -2E-2, 6.626e-34, 224617.445991]}" },
        { "a = [0.0, -0.0, +0.0, 1e007, 9_9.9_9e1_0, 0e0]",
          "{\"a\": [0.0, -0.0, 0.0, 1e7, 99.99e10, 0.0]}" },
        { "a = [inf, +inf, -inf, nan, +nan, -nan]",
          "{\"a\": [\"inf\", \"inf\", \"-inf\", \"nan\", \"nan\", \"nan\"]}" },
        /* booleans, dates and times */
        { "t = true\nf = false", "{\"t\": true, \"f\": false}" },
        { "odt1 = 1979-05-27T07:32:00Z\nodt2 = 1979-05-27T00:32:00-07:00\n"
          "odt3 = 1979-05-27T00:32:00.999999+07:00\nodt4 = 1979-05-27 07:32:00Z\n"
          "ldt = 1979-05-27T07:32:00\nld = 1979-05-27\nlt = 00:32:00.999999\n"
          "lower = 1979-05-27t07:32:00z",
          "{\"odt1\": \"1979-05-27T07:32:00Z\", \"odt2\": \"1979-05-27T00:32:00-07:00\", "
          "\"odt3\": \"1979-05-27T00:32:00.999999+07:00\", \"odt4\": \"1979-05-27 07:32:00Z\", "
          "\"ldt\": \"1979-05-27T07:32:00\", \"ld\": \"1979-05-27\", "
          "\"lt\": \"00:32:00.999999\", \"lower\": \"1979-05-27t07:32:00z\"}" },
        { "leap = 2024-02-29\ncentury = 2000-02-29\nsec = 23:59:60",
          "{\"leap\": \"2024-02-29\", \"century\": \"2000-02-29\", \"sec\": \"23:59:60\"}" },
        { "d = [1979-05-27, 1979-05-27 07:32:00]",
          "{\"d\": [\"1979-05-27\", \"1979-05-27 07:32:00\"]}" },
        /* arrays */
        { "a = []\nb = [ ]\nc = [\n]", "{\"a\": [], \"b\": [], \"c\": []}" },
        { "a = [ [1, 2], [\"a\", 'b'], [ {x = 1} ], [] ]",
          "{\"a\": [[1, 2], [\"a\", \"b\"], [{\"x\": 1}], []]}" },
        { "a = [1, \"two\", 3.0, true, [4], {five = 5}]",
          "{\"a\": [1, \"two\", 3.0, true, [4], {\"five\": 5}]}" },
        { "a = [\n  1, # one\n  2 ,\n  # nothing here\n  3,\n]\n", "{\"a\": [1, 2, 3]}" },
        { "a = [\r\n  \"x\",\r\n]\r\n", "{\"a\": [\"x\"]}" },
        /* inline tables */
        { "p = { x = 1, y = { z = \"a\" }, w.v = true }\ne = {}",
          "{\"p\": {\"x\": 1, \"y\": {\"z\": \"a\"}, \"w\": {\"v\": true}}, \"e\": {}}" },
        { "p = {a.b = 1, a.c = 2}", "{\"p\": {\"a\": {\"b\": 1, \"c\": 2}}}" },
        { "p = { list = [\n 1,\n 2 ] }", "{\"p\": {\"list\": [1, 2]}}" },
        /* tables */
        { "[t]\na = 1\n[t.sub]\nb = 2", "{\"t\": {\"a\": 1, \"sub\": {\"b\": 2}}}" },
        { "[x.y.z]\na = 1\n[x]\nb = 2", "{\"x\": {\"y\": {\"z\": {\"a\": 1}}, \"b\": 2}}" },
        { "[ a . \"b c\" . 'd' ]\nk = 1", "{\"a\": {\"b c\": {\"d\": {\"k\": 1}}}}" },
        { "[t] # comment\n  [u]  \n", "{\"t\": {}, \"u\": {}}" },
        { "[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.texture]\n"
          "smooth = true",
          "{\"fruit\": {\"apple\": {\"color\": \"red\", \"taste\": {\"sweet\": true}, "
          "\"texture\": {\"smooth\": true}}}}" },
        { "[a.b.c]\n[a]\nb.d = 1", "{\"a\": {\"b\": {\"c\": {}, \"d\": 1}}}" },
        { "a.b.c = 1\n[a.x]\ny = 2", "{\"a\": {\"b\": {\"c\": 1}, \"x\": {\"y\": 2}}}" },
        /* arrays of tables */
        { "[[p]]\nn = 1\n[[p]]\n[[p]]\nn = 3", "{\"p\": [{\"n\": 1}, {}, {\"n\": 3}]}" },
        { "[[fruit]]\nname = 'apple'\n[fruit.physical]\ncolor = 'red'\n"
          "[[fruit.variety]]\nname = 'red delicious'\n[[fruit.variety]]\nname = 'granny'\n"
          "[[fruit]]\nname = 'banana'\n[[fruit.variety]]\nname = 'plantain'",
          "{\"fruit\": [{\"name\": \"apple\", \"physical\": {\"color\": \"red\"}, "
          "\"variety\": [{\"name\": \"red delicious\"}, {\"name\": \"granny\"}]}, "
          "{\"name\": \"banana\", \"variety\": [{\"name\": \"plantain\"}]}]}" },
        { "[a]\n[[a.b]]\nx = 1\n[a.b.c]\ny = 2\n[[a.b]]",
          "{\"a\": {\"b\": [{\"x\": 1, \"c\": {\"y\": 2}}, {}]}}" },
        /* what the containers config files look like */
        { "unqualified-search-registries = [\"registry.fedoraproject.org\", "
          "\"docker.io\"]\nshort-name-mode = \"enforcing\"\n\n[[registry]]\n"
          "prefix = \"example.com/foo\"\nlocation = \"internal:5000/foo\"\ninsecure = false\n"
          "[[registry.mirror]]\nlocation = \"mirror.example.com\"\n\n[aliases]\n"
          "\"fedora\" = \"registry.fedoraproject.org/fedora\"\n",
          "{\"unqualified-search-registries\": [\"registry.fedoraproject.org\", \"docker.io\"], "
          "\"short-name-mode\": \"enforcing\", \"registry\": [{\"prefix\": \"example.com/foo\", "
          "\"location\": \"internal:5000/foo\", \"insecure\": false, \"mirror\": "
          "[{\"location\": \"mirror.example.com\"}]}], \"aliases\": {\"fedora\": "
          "\"registry.fedoraproject.org/fedora\"}}" },
        { "[containers]\ndefault_capabilities = [\n  \"CHOWN\",\n  \"KILL\",   # no more\n]\n"
          "pids_limit = 2048\nlog_size_max = -1\n\n[engine]\nruntime = \"crun\"\n"
          "[engine.runtimes]\nrunc = [\n  \"/usr/bin/runc\",\n]\n",
          "{\"containers\": {\"default_capabilities\": [\"CHOWN\", \"KILL\"], "
          "\"pids_limit\": 2048, \"log_size_max\": -1}, \"engine\": {\"runtime\": \"crun\", "
          "\"runtimes\": {\"runc\": [\"/usr/bin/runc\"]}}}" },
        { "[storage]\ndriver = \"overlay\"\n[storage.options.overlay]\n"
          "mountopt = \"nodev,metacopy=on\"\n",
          "{\"storage\": {\"driver\": \"overlay\", \"options\": {\"overlay\": "
          "{\"mountopt\": \"nodev,metacopy=on\"}}}}" },
};

/* Invalid documents and where the error is reported. */
static const struct {
        const char *toml;
        unsigned line, column;
        const char *message; /* a part of it */
} bad[] = {
        { "a = 1\na = 2", 2, 1, "duplicate key `a`" },
        { "a", 1, 2, "expected `=`" },
        { "a = ", 1, 5, "expected a value" },
        { "a = 1\nb", 2, 2, "expected `=`" },
        { "= 1", 1, 1, "expected a key or a table header" },
        { "a = 1 2", 1, 7, "expected end of line" },
        { "a = truex", 1, 9, "expected end of line" },
        { "a = tru", 1, 5, "expected a value" },
        { "a = \"x\" \"y\"", 1, 9, "expected end of line" },
        { "[t] x = 1", 1, 5, "expected end of line" },
        { "a = 1\r", 1, 6, "U+000D" },
        /* strings */
        { "a = \"unterminated", 1, 5, "unterminated string" },
        { "a = \"x\ny\"", 1, 5, "unterminated string" },
        { "a = 'x", 1, 5, "unterminated string" },
        { "a = \"\"\"x", 1, 5, "unterminated multi-line string" },
        { "a = '''x\n", 1, 5, "unterminated multi-line string" },
        { "a = \"bad \\q\"", 1, 10, "invalid escape sequence `\\q`" },
        { "a = \"\\x41\"", 1, 6, "invalid escape sequence" },
        { "a = \"\"\"x\\ y\"\"\"", 1, 9, "invalid escape sequence" },
        { "a = \"\\u12\"", 1, 6, "invalid unicode escape" },
        { "a = \"\\uD800\"", 1, 6, "not a unicode scalar value" },
        { "a = \"\\U00110000\"", 1, 6, "not a unicode scalar value" },
        { "a = \"tab\x01\"", 1, 9, "control character U+0001" },
        { "a = 'x\x7f'", 1, 7, "control character U+007F" },
        { "a = \"\"\"\x01\"\"\"", 1, 8, "control character" },
        { "a = \"x\ry\"", 1, 7, "control character U+000D" },
        { "a = \"\"\"\"\"\"\"\"\"", 1, 13, "expected end of line" },
        { "\"\"\"k\"\"\" = 1", 1, 1, "multi-line strings cannot be keys" },
        { "# c\x01\n", 1, 4, "control character U+0001 in comment" },
        { "a = 1 # \x7f", 1, 9, "in comment" },
        /* encoding */
        { "a = 1\n\xff", 2, 1, "invalid UTF-8" },
        { "a = \"\xc0\xaf\"", 1, 6, "invalid UTF-8" },
        { "a = \"\xed\xa0\x80\"", 1, 6, "invalid UTF-8" },
        { "a = \"\xf4\x90\x80\x80\"", 1, 6, "invalid UTF-8" },
        { "a = \"\xe2\x82\"", 1, 6, "invalid UTF-8" },
        /* numbers */
        { "a = 01", 1, 5, "leading zeros" },
        { "a = 0_1", 1, 5, "leading zeros" },
        { "a = 1__0", 1, 6, "underscores" },
        { "a = 1_", 1, 6, "underscores" },
        { "a = _1", 1, 5, "expected a value" },
        { "a = 0x", 1, 7, "expected digits after `0x`" },
        { "a = 0xG", 1, 7, "expected digits after `0x`" },
        { "a = 0b102", 1, 9, "invalid character `2`" },
        { "a = +0x1", 1, 5, "take no sign" },
        { "a = 0X1", 1, 6, "invalid character `X`" },
        { "a = 9223372036854775808", 1, 5, "out of range" },
        { "a = -9223372036854775809", 1, 5, "out of range" },
        { "a = 0x8000000000000000", 1, 5, "out of range" },
        { "a = 1.", 1, 6, "expected digits after the decimal point" },
        { "a = .5", 1, 5, "expected a value" },
        { "a = 1.e5", 1, 6, "expected digits after the decimal point" },
        { "a = 1e", 1, 7, "expected digits in exponent" },
        { "a = 1e_5", 1, 7, "expected digits in exponent" },
        { "a = 1e400", 1, 5, "float is out of range" },
        { "a = 03.14", 1, 5, "leading zeros" },
        { "a = infinity", 1, 5, "expected a value" },
        { "a = 1-2", 1, 6, "invalid character `-`" },
        /* dates */
        { "a = 1979-13-01", 1, 10, "invalid month" },
        { "a = 1979-02-29", 1, 13, "invalid day" },
        { "a = 1900-02-29", 1, 13, "invalid day" },
        { "a = 1979-5-27", 1, 5, "invalid date" },
        { "a = 1979-05-27T25:00:00", 1, 16, "out of range" },
        { "a = 1979-05-27T07:32", 1, 16, "invalid time" },
        { "a = 1979-05-27T", 1, 16, "invalid time" },
        { "a = 07:32:00Z", 1, 13, "expected end of line" },
        { "a = 1979-05-27T07:32:00+7:00", 1, 24, "invalid time offset" },
        { "a = 07:32:00.", 1, 13, "expected digits after `.`" },
        /* tables and keys defined twice, or in two ways */
        { "[a]\n[a]", 2, 2, "table `a` is already defined" },
        { "a = 1\n[a]", 2, 2, "already defined as an integer" },
        { "[a]\nb = 1\n[a.b]", 3, 4, "already defined as an integer" },
        { "a.b = 1\n[a]", 2, 2, "table `a` is already defined" },
        { "[a]\nb.c = 1\n[a.b]", 3, 4, "table `b` is already defined" },
        { "[a.b]\n[a]\nb.c = 1", 3, 1, "table `b` is already defined" },
        { "[a.b.c]\nz = 9\n[a]\nb.c.t = 1", 4, 3, "table `c` is already defined" },
        { "a.b = 1\na.b.c = 2", 2, 3, "key `b` is already defined as an integer" },
        { "a = {}\n[a]", 2, 2, "cannot extend inline table `a`" },
        { "a = {}\n[a.b]", 2, 2, "cannot extend inline table `a`" },
        { "a = {b = 1}\na.c = 2", 2, 1, "cannot add keys to inline table `a`" },
        { "a = {b = {}, b.c = 1}", 1, 14, "cannot add keys to inline table `b`" },
        { "a = {b = 1, b = 2}", 1, 13, "duplicate key `b`" },
        { "a = [1]\n[[a]]", 2, 3, "cannot extend static array `a`" },
        { "x = [{a = 1}]\n[x.b]", 2, 2, "cannot extend static array `x`" },
        { "[[a]]\n[a]", 2, 2, "array of tables" },
        { "[a]\n[[a]]", 2, 3, "already defined as a table" },
        { "[[a]]\na.b = 1\n[a.a]", 3, 4, "table `a` is already defined" },
        { "a = 1\n  [t]\n  [t]", 3, 4, "table `t` is already defined" },
        /* inline tables and arrays */
        { "a = {b = 1,}", 1, 12, "trailing comma" },
        { "a = {b = 1\n}", 1, 11, "expected `,` or `}`" },
        { "a = {b = 1", 1, 5, "unterminated inline table" },
        { "a = {,}", 1, 6, "expected a key" },
        { "a = [1 2]", 1, 8, "expected `,` or `]`" },
        { "a = [1,,]", 1, 8, "expected a value, found `,`" },
        { "a = [,]", 1, 6, "expected a value, found `,`" },
        { "a = [1", 1, 5, "unterminated array" },
        { "a = [1,\n# c\n", 1, 5, "unterminated array" },
        /* headers */
        { "[a", 1, 3, "expected `]`" },
        { "[[a]", 1, 4, "expected `]]`" },
        { "[[a] ]", 1, 4, "expected `]]`" },
        { "[]", 1, 2, "expected a key, found `]`" },
        { "[a.]", 1, 4, "expected a key" },
        { "[a..b]", 1, 4, "expected a key" },
        { "a. = 1", 1, 4, "expected a key" },
};

static json_t *parse_ok(const char *toml) {
        json_t *got = NULL;
        TomlError e;
        if (toml_parse(toml, &got, &e) < 0)
                fail_msg("%s\n  failed at %u:%u: %s", toml, e.line, e.column, e.message);
        return got;
}

static void test_good(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_json_ json_t *got = parse_ok(good[i].toml);
                json_error_t je;
                _cleanup_json_ json_t *want = json_loads(good[i].json, JSON_ALLOW_NUL, &je);
                if (!want)
                        fail_msg("case %zu: bad expected JSON: %s", i, je.text);
                if (!json_equal(got, want)) {
                        _cleanup_free_ char *text = json_dumps(got, JSON_ENCODE_ANY);
                        fail_msg("case %zu: %s\n  got  %s\n  want %s", i, good[i].toml, text,
                                 good[i].json);
                }
        }
}

static void test_bad(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                json_t *got = (json_t *)0x1; /* must stay untouched */
                TomlError e = { 0 };
                if (toml_parse(bad[i].toml, &got, &e) == 0)
                        fail_msg("case %zu: %s\n  parsed", i, bad[i].toml);
                assert_ptr_equal(got, (json_t *)0x1);
                if (e.line != bad[i].line || e.column != bad[i].column ||
                    !strstr(e.message, bad[i].message))
                        fail_msg("case %zu: %s\n  got  %u:%u: %s\n  want %u:%u: ...%s...", i,
                                 bad[i].toml, e.line, e.column, e.message, bad[i].line,
                                 bad[i].column, bad[i].message);
        }
        /* The error output is optional. */
        json_t *got = NULL;
        assert_int_equal(toml_parse("a = ", &got, NULL), -1);
        assert_null(got);
}

static void test_order(void **state) {
        _cleanup_json_ json_t *got = parse_ok("z = 1\na = 2\nm.y = 3\nm.b = 4\n[k]\n[c]");
        _cleanup_free_ char *text = json_dumps(got, JSON_COMPACT);
        assert_string_equal(text, "{\"z\":1,\"a\":2,\"m\":{\"y\":3,\"b\":4},\"k\":{},\"c\":{}}");
}

static char *repeat(const char *s, size_t n) {
        size_t len = strlen(s);
        char *out = xmalloc(len * n + 1);
        for (size_t i = 0; i < n; i++)
                memcpy(out + i * len, s, len);
        out[len * n] = '\0';
        return out;
}

static void test_depth(void **state) {
        json_t *got;
        TomlError e;

        /* a = [[...[1]...]]: the 1 sits at depth 1 + arrays. */
        for (size_t arrays = TOML_DEPTH_MAX - 2; arrays <= TOML_DEPTH_MAX; arrays++) {
                _cleanup_free_ char *open = repeat("[", arrays);
                _cleanup_free_ char *close = repeat("]", arrays);
                _cleanup_free_ char *doc = xasprintf("a = %s1%s", open, close);
                int r = toml_parse(doc, &got, &e);
                if (1 + arrays <= TOML_DEPTH_MAX) {
                        assert_int_equal(r, 0);
                        json_decref(got);
                } else {
                        assert_int_equal(r, -1);
                        assert_non_null(strstr(e.message, "nesting is deeper"));
                }
        }

        _cleanup_free_ char *inl = repeat("{a=", 100);
        _cleanup_free_ char *inl_doc = xasprintf("x = %s1", inl);
        assert_int_equal(toml_parse(inl_doc, &got, &e), -1);
        assert_non_null(strstr(e.message, "nesting is deeper"));

        /* Keys count too: each part is a level. */
        _cleanup_free_ char *parts = repeat("k.", TOML_DEPTH_MAX - 1);
        _cleanup_free_ char *ok_doc = xasprintf("%sk = 1", parts);
        assert_int_equal(toml_parse(ok_doc, &got, &e), 0);
        json_decref(got);
        _cleanup_free_ char *deep_doc = xasprintf("%sk.k = 1", parts);
        assert_int_equal(toml_parse(deep_doc, &got, &e), -1);
        assert_non_null(strstr(e.message, "more than 64 parts"));

        _cleanup_free_ char *hdr_doc = xasprintf("[%sk]\nx = 1", parts);
        assert_int_equal(toml_parse(hdr_doc, &got, &e), -1);
        assert_non_null(strstr(e.message, "nesting is deeper"));

        /* Arrays of tables take two levels each: 32 nest, the 33rd is too deep. */
        char aot_doc[4096];
        size_t len = 0;
        for (size_t i = 0; i < 33; i++) {
                if (i == 32) {
                        assert_int_equal(toml_parse(aot_doc, &got, &e), 0);
                        json_decref(got);
                }
                _cleanup_free_ char *prefix = repeat("a.", i);
                len += (size_t)snprintf(aot_doc + len, sizeof aot_doc - len, "[[%sa]]\n", prefix);
        }
        assert_int_equal(toml_parse(aot_doc, &got, &e), -1);
        assert_int_equal(e.line, 33);
        assert_non_null(strstr(e.message, "tables nest deeper"));
}

static void test_size(void **state) {
        json_t *got;
        TomlError e;
        _cleanup_free_ char *big = xmalloc((size_t)TOML_SIZE_MAX + 2);
        memset(big, '#', (size_t)TOML_SIZE_MAX + 1);
        big[TOML_SIZE_MAX + 1] = '\0';
        assert_int_equal(toml_parse(big, &got, &e), -1);
        assert_non_null(strstr(e.message, "larger than"));
        big[TOML_SIZE_MAX] = '\0';
        assert_int_equal(toml_parse(big, &got, &e), 0);
        json_decref(got);

        /* Many keys and tables: no quadratic blow-up (this would take
         * minutes if lookups were linear). */
        size_t n = 100000;
        char *doc = xmalloc(n * 24 + 1);
        size_t len = 0;
        for (size_t i = 0; i < n; i++)
                len += (size_t)sprintf(doc + len, i % 2 ? "k%zu = %zu\n" : "[t.u%zu]\n", i, i);
        assert_int_equal(toml_parse(doc, &got, &e), 0);
        assert_int_equal(json_object_size(json_object_get(got, "t")), n / 2);
        json_decref(got);
        free(doc);
}

static char *file_write(const char *content, size_t len) {
        char *path = xstrdup("/tmp/varpod-toml-XXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, len), (ssize_t)len);
        close(fd);
        return path;
}

static void test_file(void **state) {
        json_t *got = NULL;
        Error *err = NULL;

        _cleanup_free_ char *good_path = file_write("[a]\nb = 1\n", 10);
        assert_int_equal(toml_parse_file(good_path, &got, &err), 0);
        assert_null(err);
        assert_int_equal(json_integer_value(json_object_get(json_object_get(got, "a"), "b")), 1);
        json_decref(got);
        got = NULL;
        unlink(good_path);

        _cleanup_free_ char *bad_path = file_write("a = 1\nb = [1,\n", 14);
        assert_true(toml_parse_file(bad_path, &got, &err) < 0);
        assert_null(got);
        _cleanup_free_ char *want = xasprintf("%s:2:5: unterminated array", bad_path);
        assert_string_equal(err->message, want);
        assert_int_equal(err->kind, ERR_INVALID_ARGUMENT);
        err = err_free(err);
        unlink(bad_path);

        /* A NUL would end the C string early and hide the rest. */
        _cleanup_free_ char *nul_path = file_write("a = 1\nb = \"x\0y\"\n", 16);
        assert_true(toml_parse_file(nul_path, &got, &err) < 0);
        _cleanup_free_ char *want_nul =
                xasprintf("%s:2:7: control character U+0000 in document", nul_path);
        assert_string_equal(err->message, want_nul);
        err = err_free(err);
        unlink(nul_path);

        assert_true(toml_parse_file("/nonexistent/varpod.toml", &got, &err) < 0);
        assert_int_equal(err->kind, ERR_NOT_FOUND);
        assert_int_equal(err->errnum, ENOENT);
        err = err_free(err);

        _cleanup_free_ char *big = xmalloc((size_t)TOML_SIZE_MAX + 1);
        memset(big, '#', (size_t)TOML_SIZE_MAX + 1);
        _cleanup_free_ char *big_path = file_write(big, (size_t)TOML_SIZE_MAX + 1);
        assert_true(toml_parse_file(big_path, &got, &err) < 0);
        assert_int_equal(err->kind, ERR_LIMIT);
        err = err_free(err);
        unlink(big_path);
        assert_null(got);
}

int main(int argc, char **argv) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good),  cmocka_unit_test(test_bad),
                cmocka_unit_test(test_order), cmocka_unit_test(test_depth),
                cmocka_unit_test(test_size),  cmocka_unit_test(test_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
