"""``GET /api/v1/jobs/{job_id}``: the status of a background job of the caller's tenant."""
from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from rq.exceptions import NoSuchJobError
from rq.job import Job

from saas.api.auth import require_scope
from saas.errors import NotFound
from tenants.context import require_tenant

blp = Blueprint("jobs_api", __name__, description="Background jobs")


class JobOut(Schema):
    id = fields.String()
    status = fields.String(metadata={"description": "queued, started, finished, failed, scheduled, deferred…"})
    progress = fields.Raw(allow_none=True)
    result = fields.Raw(allow_none=True)
    error = fields.String(allow_none=True)


@blp.route("/jobs/<job_id>", methods=["GET"])
@require_scope("admin", "orders:read", "channels:write", "inventory:read")
@blp.response(200, JobOut)
def job_status(job_id):
    runner = current_app.extensions["orderly_jobs"]
    try:
        job = Job.fetch(job_id, connection=runner.connection)
    except (NoSuchJobError, ValueError):
        raise NotFound("No such job.")
    if job.meta.get("tenant") != require_tenant().id:
        raise NotFound("No such job.")  # another tenant's job is indistinguishable from a missing one
    status = job.get_status(refresh=True)
    status = getattr(status, "value", status)
    failure = job.latest_result()
    error = None
    if status == "failed" and failure is not None:
        error = (failure.exc_string or "").strip().splitlines()[-1:] or ["failed"]
        error = error[0]
    return {"id": job.id, "status": status, "progress": job.meta.get("progress"),
            "result": job.return_value() if status == "finished" else None, "error": error}
