-- SPDX-License-Identifier: Apache-2.0
-- varpod state, version 2: containers.

CREATE TABLE containers (
        id TEXT PRIMARY KEY,            -- 64 hex
        name TEXT NOT NULL UNIQUE,
        image_id TEXT NOT NULL REFERENCES images(id),
        image_name TEXT NOT NULL,       -- as the creator gave it
        pod_id TEXT,
        created INTEGER NOT NULL,       -- Unix ns
        state INTEGER NOT NULL,         -- 1 configured .. 6 exited (semantics 2.1)
        pid INTEGER NOT NULL DEFAULT 0,
        conmon_pid INTEGER NOT NULL DEFAULT 0,
        exit_code INTEGER NOT NULL DEFAULT 0,
        oom_killed INTEGER NOT NULL DEFAULT 0,
        started INTEGER NOT NULL DEFAULT 0,   -- Unix ns, 0 when never
        finished INTEGER NOT NULL DEFAULT 0,
        create_config TEXT NOT NULL,    -- the normalised io.podman Create, JSON
        resolved TEXT NOT NULL,         -- what creation resolved (args, env, ports...), JSON
        netns TEXT,                     -- path while a namespace exists
        network TEXT,                   -- CNI result JSON while networked
        mounted TEXT                    -- rootfs mount point while mounted
);
CREATE INDEX containers_image ON containers(image_id);
