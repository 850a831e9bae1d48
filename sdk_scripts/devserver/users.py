"""Label Studio users on a local server: the admin's credentials, annotators, logging in, personal access tokens.

Everything goes through Label Studio's own web flows, as a person does: the login (or sign-up) form, then
`POST /api/token/` from the logged-in session (Account & Settings > Personal Access Token).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from sdk_scripts.errors import LabelopsError


@dataclass(frozen=True)
class AdminCredentials:
    """The admin user a local server is created with. The token is never shown in reprs."""

    username: str
    password: str = field(repr=False)
    token: str = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.token) <= 5:
            raise ValueError("Label Studio ignores API tokens of 5 characters or fewer")


@dataclass(frozen=True)
class Annotator:
    """A Label Studio user made for annotating, with its own personal access token."""

    id: int
    email: str
    token: str = field(repr=False)
    password: str = field(default="", repr=False)


def _csrf(session: httpx.Client) -> dict[str, str]:
    token = session.cookies.get("csrftoken", "")
    return {"X-CSRFToken": token, "Referer": str(session.base_url)}


def login_session(url: str, email: str, password: str, *, signup: str | None = None) -> httpx.Client:
    """An HTTP session logged in to Label Studio through its login form (or its sign-up form at `signup`).

    `signup` is the organization's invite URL (`/user/signup/?token=...`, from `GET /api/invite`).
    Raises LabelopsError naming the form that refused.
    """
    session = httpx.Client(base_url=url, timeout=30, follow_redirects=False)
    form_path = signup or "/user/login/"
    try:
        session.get(form_path).raise_for_status()  # sets the CSRF cookie
        fields = {"email": email, "password": password, "csrfmiddlewaretoken": session.cookies.get("csrftoken", "")}
        if signup is None:
            fields["persist_session"] = "on"
        answer = session.post(form_path, data=fields, headers=_csrf(session))
    except httpx.HTTPError as exc:
        session.close()
        raise LabelopsError(f"Label Studio at {url}: could not open {form_path}: {type(exc).__name__}") from None
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        session.close()
        what = "sign-up" if signup else "login"
        raise LabelopsError(f"Label Studio at {url} refused the {what} of {email} ({answer.status_code})")
    return session


def create_personal_access_token(session: httpx.Client) -> str:
    """Make the logged-in user's personal access token (`POST /api/token/`, as Account & Settings does)."""
    answer = session.post("/api/token/", headers=_csrf(session))
    if answer.status_code == 409:
        raise LabelopsError("this user already has a personal access token; Label Studio shows a token only "
                            "once: revoke it in Account & Settings to make a new one")
    if answer.status_code != 201:
        raise LabelopsError(f"Label Studio refused to create a personal access token ({answer.status_code}): "
                            f"{answer.text[:200]}")
    return str(answer.json()["token"])
