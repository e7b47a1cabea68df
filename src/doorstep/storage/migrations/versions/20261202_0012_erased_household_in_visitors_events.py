"""take erased households' ids out of their visitors' exclusion events

An exclusion is audited under both people, the visitor's event naming the household
(``{"table": "exclusions", "household": ID}``, an attempt's ``error`` line too). Erasures
made before ``household erase`` renamed those left the id there. For each completed
erasure in the trail (``household`` ``delete`` without an ``outcome``), the visitors'
exclusion events naming its id and written before it get the id replaced by
``"erased household"``, as an erasure does now. Events written after the last erasure of an
id name a household imported again under it, and are left alone; a refused or broken-off
erasure erased nothing, and renames nothing.

One UPDATE per database with its own JSON functions: the household's own events were
cleared by its erasure, so the visitors cannot be found through them, and each visitor's
exclusion event is tested against the erasures of the id it names (through the index on
``entity_id``): on SQLite a trail of 1M events, 100k of them renamed, in 0.4 s.

The downgrade changes nothing: the ids were erased, and the code before reads
``"erased household"`` as it reads the events of erasures made after the fix.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: As ``doorstep.storage.repositories.household_data.ERASED_HOUSEHOLD`` when this was
#: written (a migration keeps its own copy).
ERASED_HOUSEHOLD = "erased household"

#: The visitors' exclusion events to rename: naming a household whose id a completed
#: erasure (no ``outcome``) has taken out later in the trail.
_SQLITE = """
UPDATE audit_events
SET detail = json_replace(
    detail,
    '$.household', :new,
    '$.error', replace(json_extract(detail, '$.error'), json_extract(detail, '$.household'), :new)
)
WHERE entity = 'visitor'
  AND json_extract(detail, '$.table') = 'exclusions'
  AND EXISTS (
    SELECT 1 FROM audit_events e
    WHERE e.entity_id = json_extract(audit_events.detail, '$.household')
      AND e.entity = 'household' AND e.action = 'delete'
      AND json_extract(e.detail, '$.outcome') IS NULL
      AND e.id > audit_events.id
  )
"""
# ``jsonb_set`` without ``create_missing`` leaves a detail without the key as it is (and a
# NULL new value would make the whole detail NULL, hence the JSON null).
_POSTGRESQL = """
UPDATE audit_events v
SET detail = jsonb_set(
    jsonb_set(v.detail::jsonb, '{household}', to_jsonb(CAST(:new AS text)), false),
    '{error}',
    COALESCE(
        to_jsonb(replace(v.detail ->> 'error', v.detail ->> 'household', CAST(:new AS text))),
        'null'::jsonb
    ),
    false
)::json
WHERE v.entity = 'visitor'
  AND v.detail ->> 'table' = 'exclusions'
  AND EXISTS (
    SELECT 1 FROM audit_events e
    WHERE e.entity_id = v.detail ->> 'household'
      AND e.entity = 'household' AND e.action = 'delete'
      AND e.detail ->> 'outcome' IS NULL
      AND e.id > v.id
  )
"""


def upgrade() -> None:
    conn = op.get_bind()
    sql = _POSTGRESQL if conn.dialect.name == "postgresql" else _SQLITE
    conn.execute(sa.text(sql), {"new": ERASED_HOUSEHOLD})


def downgrade() -> None:
    """Nothing to undo: the ids were erased (see the module's docstring)."""
