-- SPDX-License-Identifier: Apache-2.0
-- varpod state, version 5: pods. Their IDs and names share one registry
-- with containers' (the engine checks names across both tables).

CREATE TABLE pods (
        id TEXT PRIMARY KEY,            -- 64 hex
        name TEXT NOT NULL UNIQUE,
        created INTEGER NOT NULL,       -- Unix ns
        cgroup_parent TEXT NOT NULL,
        labels TEXT NOT NULL,           -- JSON object of strings
        shares INTEGER NOT NULL,        -- 1 << namespace per shared namespace
        infra INTEGER NOT NULL,         -- 1 when the pod has an infra container
        infra_id TEXT,                  -- that container, once it exists
        ports TEXT NOT NULL             -- JSON [{host_ip, host_port, container_port, protocol}]
);
CREATE INDEX containers_pod ON containers(pod_id);
