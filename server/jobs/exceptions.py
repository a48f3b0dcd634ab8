from server.errors import NotFound


class JobNotFound(NotFound):
    """Unknown job, or one the asker may not see: the same answer, so ids cannot be probed."""

    code = "job_not_found"

    def __init__(self):
        super().__init__("Lavoro non trovato.")


class LeaseLost(Exception):
    """The job was swept back to the queue and taken by another attempt: this one stops
    and its uncommitted chunk is rolled back."""


class RetryLater(Exception):
    """Raised by a handler when the work may succeed later (an SMTP server down): the
    job goes back to the queue to run after ``delay``."""

    def __init__(self, delay, *, code: str):
        super().__init__(code)
        self.delay, self.code = delay, code
