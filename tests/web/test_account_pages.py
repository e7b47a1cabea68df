"""The accounts page: a manager makes an account, gives it a token shown once, and
disables it; the token signs in until then. Other accounts are told who keeps them."""

from __future__ import annotations

import re

from tests.web.conftest import SignIn


def test_a_manager_makes_an_account_gives_it_a_token_and_disables_it(sign_in: SignIn) -> None:
    boss = sign_in("boss")
    page = boss.get("/accounts")
    assert page.status_code == 200
    assert "<td>v1-coord</td><td>coordinator</td><td>area R-C-V1</td>" in page.text
    assert "<td>v1</td><td>visitor</td><td>visitor V1's work</td>" in page.text
    made = boss.post("/accounts", data={"name": "helper", "role": "coordinator", "area": "R-C-V2"})
    assert made.status_code == 200, made.text
    assert "Made account helper (coordinator)" in made.text
    issued = boss.post("/accounts/token", data={"name": "helper"})
    assert issued.status_code == 200, issued.text
    [token] = re.findall(r'<code class="token">(dst_[^<]+)</code>', issued.text)
    assert token not in boss.get("/accounts").text  # shown once
    boss.cookies.clear()
    assert boss.post("/login", data={"token": token}).status_code == 303
    assert "<h1>Accounts" not in boss.get("/").text
    assert boss.get("/accounts").status_code == 403  # a coordinator's account
    boss = sign_in("boss")
    done = boss.post("/accounts/disable", data={"name": "helper"})
    assert "Disabled account helper; 1 token(s) revoked." in done.text
    boss.cookies.clear()
    assert boss.post("/login", data={"token": token}).status_code != 303


def test_a_form_the_rules_refuse_says_why(sign_in: SignIn) -> None:
    boss = sign_in("boss")
    got = boss.post("/accounts", data={"name": "c", "role": "coordinator"})
    assert got.status_code == 422
    assert "needs an area: the one it coordinates" in got.text
    got = boss.post("/accounts/token", data={"name": "v1", "days": "999"})
    assert got.status_code == 422
    assert "check days" in got.text
    got = boss.post("/accounts", data={"name": "helper\u202e", "role": "manager"})
    assert got.status_code == 422
    assert "holds a control character or a text-direction mark" in got.text


def test_a_coordinator_is_told_who_keeps_accounts(sign_in: SignIn) -> None:
    coord = sign_in("v1-coord")
    page = coord.get("/accounts")
    assert page.status_code == 403
    assert "accounts are kept by a manager" in page.text
    assert 'href="/accounts"' not in coord.get("/").text
