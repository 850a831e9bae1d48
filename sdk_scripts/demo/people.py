"""The demo's people: three annotators and a reviewer, real Label Studio users with names and their own tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sdk_scripts.devserver.users import Annotator

if TYPE_CHECKING:
    from sdk_scripts.devserver.label_studio import LocalLabelStudio

# Label Studio shows their names (not identical "AN" avatars) and the review tabs use them.
ANNOTATORS = {"annotator1@labelops.local": ("Amira", "Haddad"), "annotator2@labelops.local": ("Bruno", "Keller"),
              "annotator3@labelops.local": ("Chen", "Wei")}
REVIEWER = ("reviewer@labelops.local", ("Rosa", "Lindqvist"))


def demo_users(server: LocalLabelStudio) -> dict[str, Annotator]:
    """The three annotators and the reviewer (signed up through the invite link), each with their name set."""
    names = {**ANNOTATORS, REVIEWER[0]: REVIEWER[1]}
    users = {u.email: u for u in server.create_annotators(list(names))}
    for email, (first, last) in names.items():
        own = as_user(server.url, users[email])  # as in Account & Settings
        me = own.users.whoami()
        if (me.first_name, me.last_name) != (first, last):
            own.users.update(users[email].id, first_name=first, last_name=last)
    return users


def as_user(url: str, user: Annotator) -> Any:
    """A Label Studio SDK client acting as `user` (their own personal access token)."""
    from label_studio_sdk import LabelStudio

    return LabelStudio(base_url=url, api_key=user.token)
