import marshmallow as ma
from marshmallow import validate

from server.http.fields import Day, Id, Int32, Int64, Text
from server.onboarding import territory as territory_api


class CampaignIn(ma.Schema):
    sponsor_id = Id(required=True, metadata={"description": "the sponsor organisation creating it"})
    co_sponsor_ids = ma.fields.List(Id(), load_default=list, validate=validate.Length(max=20))
    name = Text(200, min_length=2, required=True)
    description = Text(2000, multiline=True)
    face_value_cents = Int32(required=True, strict=True)
    offline_allowance_cents = Int32(required=True, strict=True)
    risk_reserve_bps = Int32(0, 10_000, load_default=200, strict=True)
    categories = ma.fields.List(Text(40), required=True,
                                validate=validate.Length(max=16))
    territory = ma.fields.List(Text(100), load_default=list, validate=validate.Length(max=200), metadata={
        "description": "Where the vouchers are good (empty: everywhere): municipalities (ISTAT code or name), "
                       "provinces (\"provincia di Milano\", \"MI\") or regions (\"Lombardia\")"})
    valid_from = Day(required=True)
    valid_until = Day(required=True)


class Sponsor(ma.Schema):
    id = Id()
    name = ma.fields.String()


class Campaign(ma.Schema):
    id = Id()
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    face_value_cents = Int32(0)
    offline_allowance_cents = Int32(0)
    risk_reserve_bps = Int32(0, 10_000)
    category_codes = ma.fields.List(Int32(0, 31))
    territory = ma.fields.List(ma.fields.String(), metadata={
        "description": "Area keys: a municipality's ISTAT code, P + a province's code, R + a region's code"})
    areas = ma.fields.Function(lambda campaign: [
        {"level": a.level, "key": a.key, "name": a.name} for a in map(territory_api.area_of_key, campaign.territory)],
        metadata={"description": "The territory with names: [{level, key, name}]"})
    valid_from = ma.fields.Date()
    valid_until = ma.fields.Date()
    sponsors = ma.fields.List(ma.fields.Nested(Sponsor))
    available_cents = Int64()
    risk_reserve_cents = Int64()
