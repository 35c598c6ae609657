"""/admin: the jobs dashboard, a static page (HTML, CSS, JS in `dashboard/`, no CDN) over the
REST API. When API keys are set it needs one: a login form turns the key into a secure,
HTTP-only, same-site session cookie that the API accepts in place of `X-API-Key`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from bulkio.entrypoints.http.auth import SESSION_COOKIE, signed_in

PAGES = Path(__file__).with_name("dashboard")
SESSION_HOURS = 12
HTML = MediaType.HTML


def _page(name: str, **values: str) -> str:
    text = (PAGES / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


class DashboardController(Controller):
    path = "/admin"
    include_in_schema = False

    @get("/", sync_to_thread=False)
    def dashboard(self, request: Request[Any, Any, Any]) -> Response[str]:
        """The dashboard; without a valid key (when keys are set) the login form instead."""
        if not signed_in(request):
            return Redirect("/admin/login", status_code=303)  # type: ignore[return-value]
        prefix = request.app.state.api_prefix
        return Response(_page("index.html", api=f"/{prefix}" if prefix else ""), media_type=HTML)

    @get("/login", sync_to_thread=False)
    def login_form(self) -> Response[str]:
        return Response(_page("login.html", message=""), media_type=HTML)

    @post("/login", sync_to_thread=False, status_code=303)
    def login(self, request: Request[Any, Any, Any], data: Annotated[
            dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Response[str]:
        """Check the key; a valid one sets the session cookie and opens the dashboard."""
        keys = request.app.state.api_keys
        token = keys.session_for(data.get("key", ""))
        if keys.enabled and token is None:
            return Response(_page("login.html", message="That key is not valid."),
                            media_type=HTML, status_code=401)
        response: Response[str] = Redirect("/admin", status_code=303)  # type: ignore[assignment]
        if token is not None:
            response.set_cookie(Cookie(key=SESSION_COOKIE, value=token, path="/", secure=True,
                                       httponly=True, samesite="strict",
                                       max_age=SESSION_HOURS * 3600))
        return response

    @post("/logout", sync_to_thread=False, status_code=303)
    def logout(self) -> Response[str]:
        response: Response[str] = Redirect("/admin/login",  # type: ignore[assignment]
                                           status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def dashboard_assets() -> Any:
    """The dashboard's script and styles (no data in them: served without a key)."""
    return create_static_files_router(path="/admin/assets", directories=[PAGES],
                                      include_in_schema=False)
