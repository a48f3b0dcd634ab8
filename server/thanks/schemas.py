import marshmallow as ma

from server.http.fields import Id, Instant, Text


class ThanksIn(ma.Schema):
    # Any short text: an unknown one is refused by the use case with its own code
    # (422 thanks_choice_unknown), which names the choices.
    choice = Text(32, min_length=1, required=True, metadata={"description": "grazie, scoperta, ci-torno, consiglio"})


class Thanks(ma.Schema):
    voucher_id = Id()
    choice = ma.fields.String()
    created_at = Instant()


class ThanksState(ma.Schema):
    used = ma.fields.Boolean(metadata={"description": "the voucher was used: thanks may be sent"})
    choice = ma.fields.String(allow_none=True, metadata={"description": "the thanks sent, or null"})
    choices = ma.fields.List(ma.fields.String(), metadata={"description": "the preset choices, in order"})
