import marshmallow as ma

from server.http.fields import Count, Id, Instant


class Progress(ma.Schema):
    done = Count()
    total = Count()


class Job(ma.Schema):
    id = Id()
    kind = ma.fields.String(metadata={"description": "what the job does, e.g. vouchers.issue_direct"})
    state = ma.fields.String(metadata={"description": "queued, running, done or failed"})
    progress = ma.fields.Nested(Progress)
    result = ma.fields.Dict(allow_none=True, metadata={"description": "what a finished job made, e.g. {vouchers: n}"})
    error = ma.fields.String(allow_none=True, metadata={"description": "the error code of a failed job"})
    created_at = Instant()
    finished_at = Instant(allow_none=True)


def job_view(job) -> dict:
    return {"id": job.id, "kind": job.kind, "state": job.state,
            "progress": {"done": job.progress_done, "total": job.progress_total},
            "result": job.result, "error": job.error, "created_at": job.created_at, "finished_at": job.finished_at}
