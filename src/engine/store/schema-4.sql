-- SPDX-License-Identifier: Apache-2.0
-- varpod state, version 4: what a container listing shows, kept as JSON
-- text of its own so that listing thousands of containers copies text
-- rather than parsing each container's documents. Written with the row;
-- NULL mounts (containers made before) are read from their OCI config.

-- resolved's args (array), ports (array of mappings), labels (object)
ALTER TABLE containers ADD COLUMN list_args TEXT;
ALTER TABLE containers ADD COLUMN list_ports TEXT;
ALTER TABLE containers ADD COLUMN list_labels TEXT;
-- the OCI config's mounts as {destination, type, source, options}
ALTER TABLE containers ADD COLUMN list_mounts TEXT;
UPDATE containers SET list_args = json_extract(resolved, '$.args'),
        list_ports = json_extract(resolved, '$.ports'),
        list_labels = json_extract(resolved, '$.labels');
