/* SPDX-License-Identifier: Apache-2.0 */
/* Replays a fuzz corpus through LLVMFuzzerTestOneInput without libFuzzer,
 * so every corpus file also runs in the ordinary (sanitizer) test run.
 * Arguments are files or directories of files. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
        FILE *f = fopen(path, "rb");
        if (!f) {
                perror(path);
                return -1;
        }
        size_t cap = 4096, len = 0;
        uint8_t *buf = malloc(cap);
        size_t n;
        while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
                len += n;
                if (len == cap)
                        buf = realloc(buf, cap *= 2);
        }
        fclose(f);
        if (!buf)
                return -1;
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        return 0;
}

static int replay(const char *path, unsigned *count) {
        struct stat st;
        if (stat(path, &st) < 0) {
                perror(path);
                return -1;
        }
        if (!S_ISDIR(st.st_mode)) {
                (*count)++;
                return replay_file(path);
        }
        DIR *d = opendir(path);
        if (!d)
                return -1;
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                char sub[4096];
                snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
                if (replay(sub, count) < 0)
                        r = -1;
        }
        closedir(d);
        return r;
}

int main(int argc, char **argv) {
        unsigned count = 0;
        int r = 0;
        for (int i = 1; i < argc; i++)
                if (replay(argv[i], &count) < 0)
                        r = 1;
        printf("replayed %u inputs\n", count);
        return r || count == 0;
}
