/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "layer-private.h"
#include "xalloc.h"

/* A hash map keyed by inode: open addressing, linear probing, power-of-two
 * sizes grown at half load. A layer can hold a million entries, so a list
 * would make hardlink detection and the marks of extraction quadratic. */

typedef struct InodeKey {
        bool used;
        dev_t dev;
        ino_t ino;
} InodeKey;

struct LayerInodeMap {
        InodeKey *keys;
        unsigned char *values; /* cap * value_size bytes, beside their keys */
        size_t cap, count, value_size;
        void (*value_free)(void *value);
};

LayerInodeMap *layer_inode_map_new(size_t value_size, void (*value_free)(void *value)) {
        LayerInodeMap *m = xnew0(LayerInodeMap, 1);
        m->cap = 64;
        m->value_size = value_size;
        m->value_free = value_free;
        m->keys = xnew0(InodeKey, m->cap);
        m->values = xcalloc(m->cap, value_size);
        return m;
}

LayerInodeMap *layer_inode_map_free(LayerInodeMap *m) {
        if (m) {
                if (m->value_free)
                        for (size_t i = 0; i < m->cap; i++)
                                if (m->keys[i].used)
                                        m->value_free(m->values + i * m->value_size);
                free(m->keys);
                free(m->values);
                free(m);
        }
        return NULL;
}

static size_t inode_hash(dev_t dev, ino_t ino) {
        /* splitmix64's finalizer: inode numbers are often sequential. */
        uint64_t h = (uint64_t)ino ^ ((uint64_t)dev * 0x9e3779b97f4a7c15ull);
        h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
        h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
        return (size_t)(h ^ (h >> 31));
}

static size_t inode_slot(const InodeKey *keys, size_t cap, dev_t dev, ino_t ino) {
        size_t i = inode_hash(dev, ino) & (cap - 1);
        while (keys[i].used && !(keys[i].dev == dev && keys[i].ino == ino))
                i = (i + 1) & (cap - 1);
        return i;
}

static void inode_map_grow(LayerInodeMap *m) {
        size_t cap = m->cap * 2;
        InodeKey *keys = xnew0(InodeKey, cap);
        unsigned char *values = xcalloc(cap, m->value_size);
        for (size_t i = 0; i < m->cap; i++) {
                if (!m->keys[i].used)
                        continue;
                size_t j = inode_slot(keys, cap, m->keys[i].dev, m->keys[i].ino);
                keys[j] = m->keys[i];
                memcpy(values + j * m->value_size, m->values + i * m->value_size, m->value_size);
        }
        free(m->keys);
        free(m->values);
        m->keys = keys;
        m->values = values;
        m->cap = cap;
}

void *layer_inode_map_get(LayerInodeMap *m, dev_t dev, ino_t ino, bool insert, bool *ret_found) {
        size_t i = inode_slot(m->keys, m->cap, dev, ino);
        if (ret_found)
                *ret_found = m->keys[i].used;
        if (m->keys[i].used)
                return m->values + i * m->value_size;
        if (!insert)
                return NULL;
        if (2 * (m->count + 1) > m->cap) {
                inode_map_grow(m);
                i = inode_slot(m->keys, m->cap, dev, ino);
        }
        m->keys[i] = (InodeKey){ .used = true, .dev = dev, .ino = ino };
        m->count++;
        return m->values + i * m->value_size;
}

size_t layer_inode_map_count(const LayerInodeMap *m) { return m->count; }
