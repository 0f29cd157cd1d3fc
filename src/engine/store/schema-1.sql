-- SPDX-License-Identifier: Apache-2.0
-- varpod state, version 1: layers and images. Applied in one transaction;
-- PRAGMA user_version records the version reached.

-- One row per extracted layer directory, keyed by chain ID (the digest of
-- the layer stack up to it), shared by every image that uses the stack.
CREATE TABLE layers (
        chain_id TEXT PRIMARY KEY,
        diff_id TEXT NOT NULL,
        parent TEXT REFERENCES layers(chain_id),
        -- the compressed blob kept for push and export (may be NULL for
        -- layers made locally and never compressed)
        blob_digest TEXT,
        blob_size INTEGER NOT NULL DEFAULT 0,
        blob_media_type TEXT,
        size INTEGER NOT NULL, -- uncompressed tar bytes
        created INTEGER NOT NULL -- unix nanoseconds
);
CREATE INDEX layers_parent ON layers(parent);

CREATE TABLE images (
        id TEXT PRIMARY KEY, -- config digest, 64 hex without "sha256:"
        manifest_digest TEXT NOT NULL,
        manifest_media_type TEXT NOT NULL,
        top_layer TEXT REFERENCES layers(chain_id),
        created INTEGER NOT NULL, -- image config's created, unix nanoseconds
        stored INTEGER NOT NULL,  -- when we stored it, unix nanoseconds
        size INTEGER NOT NULL     -- layers uncompressed + manifest + config
);

-- Fully qualified names ("docker.io/library/busybox:latest"); a name
-- belongs to one image at a time.
CREATE TABLE image_names (
        name TEXT PRIMARY KEY,
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        position INTEGER NOT NULL
);
CREATE INDEX image_names_image ON image_names(image_id);

-- The layers of an image, bottom first, with the compressed blob this
-- image's manifest names for each (images sharing a layer may have come
-- with different blobs of it).
CREATE TABLE image_layers (
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        chain_id TEXT NOT NULL REFERENCES layers(chain_id),
        blob_digest TEXT,
        PRIMARY KEY (image_id, idx)
);
CREATE INDEX image_layers_blob ON image_layers(blob_digest);
CREATE INDEX image_layers_chain ON image_layers(chain_id);
