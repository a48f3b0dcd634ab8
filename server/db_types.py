"""Column types shared by every domain."""
from datetime import timezone

import sqlalchemy as sa


class UtcDateTime(sa.TypeDecorator):
    """A timezone-aware instant, stored and returned in UTC on every database.

    SQLite has no time zone type: it drops the offset and returns naive values, so
    instants would compare wrongly. Normalising to UTC on the way in and tagging UTC
    on the way out makes SQLite compare instants as PostgreSQL does.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: instants must carry a time zone")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
