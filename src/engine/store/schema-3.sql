-- SPDX-License-Identifier: Apache-2.0
-- varpod state, version 3: what ListImages needs without reading every
-- image config or scanning the table once per image.

-- The config's Labels (JSON text); NULL for images stored before.
ALTER TABLE images ADD COLUMN labels TEXT;
-- isParent asks which images sit on a given top layer.
CREATE INDEX images_top_layer ON images(top_layer);
