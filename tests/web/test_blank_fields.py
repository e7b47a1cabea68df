"""A page's form with a box left empty or holding only spaces (what ``required`` in the
browser lets through): a field not given. A required one is refused as missing, by its
name, in the page's language; an optional one takes the default its label promises
("empty: today"), never "Input should be a valid date" (``web.blank_fields``)."""

from __future__ import annotations

import asyncio
import datetime as dt

from starlette.types import Message, Receive, Scope, Send

from doorstep.web.blank_fields import BlankFieldsDropped
from tests.api.conftest import TODAY
from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH
from tests.web.test_i18n_refusals import _shown

#: Spaces as a phone's keyboard types them: a space, a tab, an ideographic space (U+3000).
BLANK = " \t\u3000 "

#: Each page form sent by POST: its required boxes, each filled with a value the form's
#: types take (the refusal comes before the route reads any of them).
REQUIRED: dict[str, dict[str, str]] = {
    "/record": {"household": "H0", "visitor": "V1", "start": "2027-02-01"},
    "/record/missed": {"household": "H0", "visitor": "V1", "start": "2027-02-01"},
    "/consent": {"household": "H0", "state": "given", "evidence": "a letter"},
    "/refer": {"household": "H0", "organisation": "JOBS", "service": "employment"},
    "/referrals": {"household": "H0", "organisation": "JOBS", "service": "employment"},
    "/referrals/status": {"number": "1", "status": "withdrawn"},
    "/activities": {
        **{"code": "CAMP", "kind": "trip", "title": "Camp"},
        **{"area": "R-C-V1", "starts_on": "2027-02-01"},
    },
    "/activities/attendance": {"code": "CAMP"},
    "/projects": {
        **{"code": "PUMP", "title": "Pump", "sponsor": "S1"},
        **{"area": "R-C-V1", "starts_on": "2027-02-01"},
    },
    "/projects/status": {"code": "PUMP", "status": "running"},
    "/projects/households": {"code": "PUMP"},
    "/accounts": {"name": "helper", "role": "manager"},
    "/accounts/token": {"name": "v1"},
    "/accounts/disable": {"name": "v1"},
    "/exclusions": {"household": "H0", "visitor": "V2"},
    "/exclusions/remove": {"household": "H0", "visitor": "V2"},
    "/planning": {"area": "R"},
    "/pairing": {"area": "R"},
    "/household/erase": {"id": "H0"},
    "/visitor/erase": {"id": "V2"},
}


def test_a_required_box_of_spaces_is_refused_as_missing_by_its_name(sign_in: SignIn) -> None:
    boss = sign_in("boss")
    for path, form in REQUIRED.items():
        for field in form:
            sent = {**form, field: BLANK}
            page = boss.post(path, data=sent)
            assert page.status_code == 422, (path, field, page.text)
            assert f"check {field}: Field required" in _shown(page.text), (path, field)
    # In the page's language, as a box left empty is.
    chinese = boss.post("/consent", data={**REQUIRED["/consent"], "evidence": BLANK}, headers=ZH)
    assert "请检查 evidence：必填" in _shown(chinese.text)
    # The sign-in form says so on itself (no one is signed in to show a refusal to).
    boss.cookies.clear()
    for token in ("", BLANK):
        login = boss.post("/login", data={"token": token})
        assert login.status_code == 422, login.text
        assert "check token: Field required" in _shown(login.text)
        assert 'name="token"' in login.text


def test_the_record_form_with_a_box_of_spaces_is_given_back_as_it_was_filled(
    sign_in: SignIn,
) -> None:
    # A field visitor's notes are not lost to the general refusal page: the form comes
    # back with what was typed, the visit's id kept (sent again, it records one visit).
    visit = {
        **{"household": BLANK, "visitor": "V1", "start": "2027-02-01", "end": "2027-02-03"},
        **{"note": "helped with the pension form", "visit_id": "7f1c-form"},
    }
    site = sign_in("v1")
    page = site.post("/record", data=visit)
    assert page.status_code == 422, page.text
    assert "check household: Field required" in _shown(page.text)
    assert 'name="household"' in page.text
    for typed in ("helped with the pension form", 'value="7f1c-form"', 'value="2027-02-03"'):
        assert typed in page.text, typed
    both = site.post("/record", data={**visit, "start": BLANK}, headers=ZH)
    assert both.status_code == 422
    assert "请检查 household：必填；start：必填" in _shown(both.text)
    assert "helped with the pension form" in both.text


def test_an_optional_box_of_spaces_takes_the_default_its_label_promises(
    sign_in: SignIn, first_visit: tuple[dt.date, dt.date]
) -> None:
    start = first_visit[0].isoformat()
    # "Last day (empty: the first day)", and a note of spaces is no note.
    visit = {"household": "H0", "visitor": "V1", "start": start, "end": BLANK, "note": BLANK}
    recorded = sign_in("v1").post("/record", data=visit)
    assert recorded.status_code == 200, recorded.text
    assert f"from {start} to {start}" in _shown(recorded.text)
    boss = sign_in("boss")
    # "Day it was made (empty: today)".
    act = {"household": "H2", "state": "withdrawn", "evidence": "a letter", "on": BLANK}
    consent = boss.post("/consent", data=act)
    assert consent.status_code == 200, consent.text
    assert f"withdrawn from {TODAY}" in _shown(consent.text)
    # The greatest distance and the continuity empty: their defaults; nothing ticked.
    pairing = boss.post(
        "/pairing", data={"area": "R", "max_km": BLANK, "keep_km": BLANK, "new_only": BLANK}
    )
    assert pairing.status_code == 303, pairing.text


def test_the_outbox_s_box_of_spaces_is_refused_by_its_name_in_the_page_s_language(
    sign_in: SignIn, tokens: dict[str, str]
) -> None:
    # The page's script trims each box it sends (outbox.js): spaces are sent as "".
    visit = {"household": "", "visitor": "V1", "start": "2027-02-01"}
    act = {"household": "", "state": "given", "evidence": "a letter"}
    referral = {"household": "", "organisation": "JOBS", "service": "employment"}
    site = sign_in("v1")
    for path, sent in (("/record/sync", visit), ("/consent/sync", act), ("/refer/sync", referral)):
        chinese = site.post(path, json=sent, headers=ZH)
        assert chinese.status_code == 422, (path, chinese.text)
        assert chinese.headers["content-language"] == "zh-Hans"
        assert chinese.json()["detail"] == "请检查 household：至少应有 1 个字符", path
        english = site.post(path, json=sent).json()["detail"]
        assert english == "check household: String should have at least 1 character", path
    # The API keeps its own words, whatever the language asked for.
    bearer = {"Authorization": f"Bearer {tokens['v1']}"}
    api = site.post("/api/v1/referrals", json=referral, headers=ZH | bearer)
    assert api.json()["detail"] == "body.household: String should have at least 1 character"


def _asked(body: list[bytes], kind: bytes, path: str = "/record") -> tuple[bytes, bytes]:
    """What an app behind the middleware reads of a request whose body comes in ``body``'s
    chunks: the body, and the ``content-length`` it is told."""
    seen: list[bytes] = []

    async def app(scope: Scope, receive: Receive, _send: Send) -> None:
        while True:
            message = await receive()
            seen.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        seen.append(dict(scope["headers"]).get(b"content-length", b""))

    messages: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": i < len(body) - 1}
        for i, chunk in enumerate(body)
    ]

    async def receive() -> Message:
        return messages.pop(0)

    async def send(_message: Message) -> None:
        return None

    length = str(sum(map(len, body))).encode()
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": b"",
        "headers": [(b"content-type", kind), (b"content-length", length)],
    }
    asyncio.run(BlankFieldsDropped(app)(scope, receive, send))
    return b"".join(seen[:-1]), seen[-1]


def test_a_form_s_body_in_chunks_loses_its_blank_fields_and_an_upload_or_the_api_s_does_not() -> (
    None
):
    form = b"application/x-www-form-urlencoded; charset=UTF-8"
    chunks = [b"household=H0&end=+%09", b"%E3%80%80&note=&visitor=V1&activity=talk"]
    assert _asked(chunks, form) == (b"household=H0&visitor=V1&activity=talk", b"37")
    # Spaces around a value are the route's to take off: the field is kept as sent.
    assert _asked([b"household=+H0+"], form) == (b"household=+H0+", b"14")
    assert _asked([b"a=&b=+"], b"multipart/form-data; boundary=x") == (b"a=&b=+", b"6")
    assert _asked([b"a=&b=+"], form, "/api/v1/visits") == (b"a=&b=+", b"6")
