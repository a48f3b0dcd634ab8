from server.errors import Forbidden, InvalidInput, NotFound


class StoryNotFound(NotFound):
    code = "story_not_found"


class StoryPhotoNotFound(NotFound):
    code = "story_photo_not_found"


class EventNotAtVenue(InvalidInput):
    """The event named is not one of the venue's own (or does not exist: the same
    answer, so that a venue cannot probe another's ids)."""

    code = "story_event_not_at_venue"


class MinorConfirmationRequired(InvalidInput):
    code = "story_minor_confirmation_required"


class EmptyStory(InvalidInput):
    code = "story_body_empty"


class PhotoRefused(InvalidInput):
    """``story_photo_too_large``, ``story_photo_unsupported``, ``story_photo_unreadable``
    (the poster rules, server/catalogue/posters.py) or ``story_photo_missing``."""

    code = "story_photo_unreadable"


class NotAStoryReader(Forbidden):
    """Logged in, but neither of the venue, nor a sponsor whose vouchers were used
    there, nor a platform admin. The code is the one of every other membership refusal."""

    code = "not_a_member"
