"""The audit trail's "who" at the command line is the account the command runs as."""

from __future__ import annotations

import os
import pwd

import pytest

from doorstep.cli.context import actor


def test_the_actor_is_the_account_not_a_name_set_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(variable, "someone_else")
    assert actor() == f"cli:{pwd.getpwuid(os.getuid()).pw_name}"
