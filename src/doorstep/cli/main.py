"""The ``doorstep`` command: a thin front door onto the services."""

from __future__ import annotations

import typer

from doorstep.cli import account as account_cli
from doorstep.cli import activity as activity_cli
from doorstep.cli import audit_trail as audit_cli
from doorstep.cli import cadence as cadence_cli
from doorstep.cli import check as check_cli
from doorstep.cli import db as db_cli
from doorstep.cli import demo as demo_cli
from doorstep.cli import exclusions as exclusions_cli
from doorstep.cli import household as household_cli
from doorstep.cli import outcomes as outcomes_cli
from doorstep.cli import pair as pair_cli
from doorstep.cli import pair_db
from doorstep.cli import plan as plan_cli
from doorstep.cli import project as project_cli
from doorstep.cli import referral as referral_cli
from doorstep.cli import registry as registry_cli
from doorstep.cli import report as report_cli
from doorstep.cli import visitor as visitor_cli
from doorstep.cli import visits as visits_cli
from doorstep.cli.common import OneLineUsageErrors
from doorstep.cli.help_text import reflow_app

app = typer.Typer(
    name="doorstep",
    help="Run large home-visiting programmes: registry, pairing, visit planning and reports."
    "\n\nExample: doorstep demo --preset village && doorstep pair --area GZ",
    no_args_is_help=True,
    cls=OneLineUsageErrors,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

# Command groups register themselves here, one line each.
app.add_typer(db_cli.app, name="db")
app.add_typer(pair_cli.app, name="pair")
pair_db.register(pair_cli.app)
exclusions_cli.register(pair_cli.app)
app.add_typer(plan_cli.app, name="plan")
app.add_typer(cadence_cli.app, name="cadence")
app.add_typer(visits_cli.app, name="visits")
app.add_typer(household_cli.app, name="household")
app.add_typer(visitor_cli.app, name="visitor")
app.add_typer(activity_cli.app, name="activity")
app.add_typer(project_cli.app, name="project")
app.add_typer(referral_cli.app, name="referral")
app.add_typer(check_cli.app, name="check")
registry_cli.register(app)
report_cli.register(app)
outcomes_cli.register(app)
app.command("demo")(demo_cli.demo_cmd)
app.add_typer(account_cli.app, name="account")
app.command("serve")(account_cli.serve_cmd)
app.command("audit")(audit_cli.audit_cmd)
reflow_app(app)


def main() -> None:
    """Console-script entry point."""
    app()
