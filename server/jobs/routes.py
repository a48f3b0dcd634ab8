from flask_smorest import Blueprint

from server.accounts import mail  # noqa: F401  (registers the mail delivery job)
from server.http import auth
from server.jobs import api as jobs_api
from server.jobs import issuance  # noqa: F401  (registers the issuance job)
from server.jobs import schemas

bp = Blueprint("jobs", __name__, url_prefix="/api/v1", description="Background jobs: state and progress")


@bp.get("/jobs/<int:job_id>")
@bp.response(200, schemas.Job)
def job(job_id):
    """A job's state and progress, for the person who started it, the members of its
    organisation and platform admins (anyone else: 404 `job_not_found`)."""
    return schemas.job_view(jobs_api.visible_job(job_id, user=auth.require_user()))


@bp.get("/organisations/<int:organisation_id>/jobs")
@bp.response(200, schemas.Job(many=True))
def organisation_jobs(organisation_id):
    """An organisation's recent jobs (at most 20, newest first), for its members and
    platform admins; anyone else: 404 `job_not_found`, as for a job one may not see."""
    jobs = jobs_api.organisation_jobs(organisation_id, user=auth.require_user())
    return [schemas.job_view(job) for job in jobs]
