from server.errors import Conflict, Forbidden, InvalidInput, NotFound


class EventNotFound(NotFound):
    code = "event_not_found"


class NotAVenue(Forbidden):
    """Only venues list events; sponsors and schools have no catalogue."""

    code = "not_a_venue"


class InvalidEvent(InvalidInput):
    """A field of an event breaks a rule; raised with a specific ``code`` and ``field``."""

    code = "invalid_event"


class EventCancelled(Conflict):
    code = "event_cancelled"


class EventOver(Conflict):
    code = "event_over"


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"


class PosterRefused(InvalidInput):
    """An uploaded poster we do not take: ``poster_too_large`` (bytes or pixels),
    ``poster_unsupported`` (not JPEG, PNG or WebP, or an extreme shape) or
    ``poster_unreadable`` (damaged or not an image at all)."""

    code = "poster_unreadable"


class PosterNotFound(NotFound):
    code = "poster_not_found"
