import marshmallow as ma
from marshmallow import validate


class CampaignIn(ma.Schema):
    sponsor_id = ma.fields.Integer(required=True, metadata={"description": "the sponsor organisation creating it"})
    co_sponsor_ids = ma.fields.List(ma.fields.Integer(), load_default=list, validate=validate.Length(max=20))
    name = ma.fields.String(required=True, validate=validate.Length(min=2, max=200))
    description = ma.fields.String(validate=validate.Length(max=2000))
    face_value_cents = ma.fields.Integer(required=True, strict=True)
    offline_allowance_cents = ma.fields.Integer(required=True, strict=True)
    risk_reserve_bps = ma.fields.Integer(load_default=200, strict=True, validate=validate.Range(0, 10_000))
    categories = ma.fields.List(ma.fields.String(validate=validate.Length(max=40)), required=True,
                                validate=validate.Length(max=16))
    territory = ma.fields.List(ma.fields.String(validate=validate.Length(max=100)), load_default=list,
                               validate=validate.Length(max=200))
    valid_from = ma.fields.Date(required=True)
    valid_until = ma.fields.Date(required=True)


class Sponsor(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class Campaign(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    face_value_cents = ma.fields.Integer()
    offline_allowance_cents = ma.fields.Integer()
    risk_reserve_bps = ma.fields.Integer()
    category_codes = ma.fields.List(ma.fields.Integer())
    territory = ma.fields.List(ma.fields.String())
    valid_from = ma.fields.Date()
    valid_until = ma.fields.Date()
    sponsors = ma.fields.List(ma.fields.Nested(Sponsor))
    available_cents = ma.fields.Integer()
    risk_reserve_cents = ma.fields.Integer()
