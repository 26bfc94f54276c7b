"""Domain errors and the one place that renders every error: RFC 9457 problem+json on the API and hooks,
a readable page in the console."""
from __future__ import annotations

import logging

from flask import Flask, json, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """Raised by services; carries what the client needs to understand and fix the problem."""

    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, errors: dict | None = None, **extra):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra


class ValidationFailed(DomainError):
    status, code, title = 422, "validation-failed", "Invalid input"


class NotFound(DomainError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class IllegalTransition(Conflict):
    code, title = "illegal-transition", "Illegal state transition"

    def __init__(self, axis: str, current: str, requested: str):
        super().__init__(f"{axis} cannot go from {current!r} by {requested!r}",
                         current=current, requested=requested, axis=axis)


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Not allowed"


def problem_response(status: int, title: str, detail: str = "", errors: dict | None = None,
                     code: str | None = None, headers: dict | None = None, **extra):
    body = {"type": f"urn:orderly:problem:{code}" if code else "about:blank",
            "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = Flask.response_class(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error dict -> ``{"lines.0.sku": ["..."]}``; webargs' location level dropped."""
    if isinstance(messages, dict) and not prefix and set(messages) <= {"json", "query", "form", "headers",
                                                                       "view_args", "files", "cookies"}:
        flat = {}
        for part in messages.values():
            flat.update(flatten_errors(part))
        return flat
    if isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": list(messages)}
    if isinstance(messages, str):
        return {prefix or "_schema": [messages]}
    flat: dict[str, list[str]] = {}
    items = messages.items() if isinstance(messages, dict) else enumerate(messages)
    for key, value in items:
        flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def wants_problem_json() -> bool:
    path = request.path
    return path.startswith("/api/") or path.startswith("/hooks/") or request.accept_mimetypes.best in (
        "application/json", PROBLEM_JSON)


def _render_page(status: int, title: str, detail: str):
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def handle_domain_error(exc: DomainError):
    if wants_problem_json():
        return problem_response(exc.status, exc.title, exc.detail, exc.errors, exc.code, **exc.extra)
    return _render_page(exc.status, exc.title, exc.detail)


def handle_http_exception(exc: HTTPException):
    data = getattr(exc, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if exc.code == 429 and "Retry-After" not in headers:
        headers["Retry-After"] = str(getattr(exc, "retry_after", None) or 60)
    if not wants_problem_json():
        response = _render_page(exc.code or 500, exc.name, exc.description or "")
        return response[0], response[1], headers
    errors = data.get("errors") or data.get("messages")
    detail = data.get("message") or exc.description or ""
    if exc.code == 422 and errors:
        errors = flatten_errors(errors)
        detail = detail or "Some fields are invalid."
        if detail.startswith("The request was well-formed"):
            detail = "Some fields are invalid; see errors."
    if exc.code == 400 and "Invalid JSON" in str(errors or detail):
        detail, errors = "The request body is not valid JSON.", None
    if exc.code == 405:
        headers["Allow"] = ", ".join(exc.valid_methods or [])
    return problem_response(exc.code or 500, exc.name, detail, errors if isinstance(errors, dict) else None,
                            headers=headers)


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    if wants_problem_json():
        return problem_response(500, "Internal error", "Something went wrong on our side; it has been logged.")
    return _render_page(500, "Internal error", "Something went wrong on our side; it has been logged.")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
