"""The one place Fleming reaches inside streamlit-authenticator (0.4.x).

The library draws the login form, checks the bcrypt hash and keeps the re-login cookie; it has no
hook for a lockout or for deferring its cookie. We replace two bound methods of one
``Authenticate`` object (never the class): the controller's ``login`` (wrapped by our lock and
counter) and the cookie controller's ``set_cookie`` (deferred until the login form is cleared).
``tests/unit/test_adapters.py`` checks that both still exist with the shape we rely on, so an
upgrade that moves them fails there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit_authenticator as stauth

LoginCall = Callable[..., Any]


def wrap_login(
    authenticator: stauth.Authenticate, wrapper: Callable[[LoginCall], LoginCall]
) -> None:
    """Route the form's login through ``wrapper(original_login)``."""
    controller = authenticator.authentication_controller
    controller.login = wrapper(controller.login)


def defer_cookie(authenticator: stauth.Authenticate) -> tuple[Callable[[], None], list[bool]]:
    """Hold back the re-login cookie: return the real ``set_cookie`` and a list that gets an
    item when the library asked for it."""
    cookies = authenticator.cookie_controller
    set_cookie, due = cookies.set_cookie, []
    cookies.set_cookie = lambda: due.append(True)
    return set_cookie, due
