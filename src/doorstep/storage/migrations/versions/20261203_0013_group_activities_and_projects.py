"""group activities and projects as the import files and the rights commands hold them

The initial schema sketched activities, their attendance, projects, their beneficiaries and
milestones, and nothing ever wrote them: no import, command or demo had them. This gives
them the shape their import files have: an activity and a project are known by a ``code``
(as areas, organisations and teams are); an activity's kind is one of a closed list, it is
held in an area, on days from ``starts_on`` to ``ends_on``; a project has a ``title``, a
sponsoring organisation, an area, days and a ``status``. Attendance names one household or
one visitor per row (never both: each row goes with its own person's erasure), once per
activity; ``project_households`` (the old ``project_beneficiaries``) names each household a
project benefits, once. Budgets, descriptions, head counts and milestones are gone: no
file or command has them, and a free-text description is room for what the programme must
not hold about people.

The old tables are dropped and the new ones created, on PostgreSQL and SQLite alike. Rows
in them (put there by hand: nothing else could) would be lost, so the upgrade refuses to
run while any table it drops holds a row, naming them; so does the downgrade, which
recreates the old tables as 0001 made them, for rows in the new ones.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 08:00:00
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The tables each direction drops, children first.
OLD = (
    "project_milestones",
    "project_beneficiaries",
    "activity_attendance",
    "projects",
    "activities",
)
NEW = ("project_households", "activity_attendance", "projects", "activities")


def _timestamps() -> list[sa.Column[dt.datetime]]:
    return [
        sa.Column(
            name,
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        )
        for name in ("created_at", "updated_at")
    ]


def _refuse_rows(tables: Sequence[str], direction: str) -> None:
    """Stop before dropping a table that holds rows: they are someone's records."""
    conn = op.get_bind()
    held = [t for t in tables if conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one()]
    if held:
        raise RuntimeError(
            f"migration 0013 {direction} would drop tables that hold rows: {', '.join(held)}; "
            "export or move them aside first (nothing was changed)"
        )


def _drop(tables: Sequence[str]) -> None:
    for table in tables:
        op.drop_table(table)


def _fk(table: str, column: str, target: str, cascade: bool = False) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=f"fk_{table}_{column}_{target}",
        ondelete="CASCADE" if cascade else None,
    )


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def upgrade() -> None:
    _refuse_rows(OLD, "up")
    _drop(OLD)
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        *_timestamps(),
        _fk("activities", "area_id", "areas"),
        _fk("activities", "organisation_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name="pk_activities"),
        sa.UniqueConstraint("code", name="uq_activities_code"),
    )
    _index("activities", "area_id", "organisation_id")
    op.create_table(
        "activity_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        _fk("activity_attendance", "activity_id", "activities", cascade=True),
        _fk("activity_attendance", "household_id", "households", cascade=True),
        _fk("activity_attendance", "visitor_id", "visitors", cascade=True),
        sa.PrimaryKeyConstraint("id", name="pk_activity_attendance"),
        sa.UniqueConstraint("activity_id", "household_id", name="uq_activity_attendance_household"),
        sa.UniqueConstraint("activity_id", "visitor_id", name="uq_activity_attendance_visitor"),
        sa.CheckConstraint(
            "(household_id IS NULL) <> (visitor_id IS NULL)",
            name="ck_activity_attendance_one_household_or_visitor",
        ),
    )
    _index("activity_attendance", "activity_id", "household_id", "visitor_id")
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("sponsor_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        *_timestamps(),
        _fk("projects", "sponsor_id", "organisations"),
        _fk("projects", "area_id", "areas"),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        sa.UniqueConstraint("code", name="uq_projects_code"),
    )
    _index("projects", "area_id", "sponsor_id")
    op.create_table(
        "project_households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        _fk("project_households", "project_id", "projects", cascade=True),
        _fk("project_households", "household_id", "households", cascade=True),
        sa.PrimaryKeyConstraint("id", name="pk_project_households"),
        sa.UniqueConstraint("project_id", "household_id", name="uq_project_households_project_id"),
    )
    _index("project_households", "project_id", "household_id")


def downgrade() -> None:
    _refuse_rows(NEW, "down")
    _drop(NEW)
    # As migration 0001 created them.
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        *_timestamps(),
        _fk("activities", "area_id", "areas"),
        _fk("activities", "organisation_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name="pk_activities"),
    )
    _index("activities", "area_id")
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sponsor_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("budget", sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        *_timestamps(),
        _fk("projects", "area_id", "areas"),
        _fk("projects", "sponsor_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        sa.UniqueConstraint("code", name="uq_projects_code"),
    )
    _index("projects", "area_id", "sponsor_id")
    op.create_table(
        "activity_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column("people", sa.Integer(), nullable=False),
        _fk("activity_attendance", "activity_id", "activities", cascade=True),
        _fk("activity_attendance", "household_id", "households", cascade=True),
        _fk("activity_attendance", "visitor_id", "visitors"),
        sa.PrimaryKeyConstraint("id", name="pk_activity_attendance"),
    )
    _index("activity_attendance", "activity_id", "household_id", "visitor_id")
    op.create_table(
        "project_beneficiaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        _fk("project_beneficiaries", "household_id", "households", cascade=True),
        _fk("project_beneficiaries", "project_id", "projects", cascade=True),
        sa.PrimaryKeyConstraint("id", name="pk_project_beneficiaries"),
        sa.UniqueConstraint(
            "project_id", "household_id", name="uq_project_beneficiaries_project_id"
        ),
    )
    _index("project_beneficiaries", "household_id", "project_id")
    op.create_table(
        "project_milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        _fk("project_milestones", "project_id", "projects", cascade=True),
        sa.PrimaryKeyConstraint("id", name="pk_project_milestones"),
    )
    _index("project_milestones", "project_id")
