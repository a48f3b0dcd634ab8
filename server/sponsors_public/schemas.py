"""The JSON shapes of the public sponsor page and its owner's switch."""
import marshmallow as ma

from server.http.fields import Count, Int64, JsonBoolean

SUPPRESSED = ("true when the figures are null: they would describe fewer than `min_cell` students "
              "(server/reports/README.md)")


class PublicPageSetting(ma.Schema):
    enabled = JsonBoolean(required=True, metadata={"description": "show the page to anyone with its address"})


class PublicPageState(ma.Schema):
    enabled = ma.fields.Boolean()
    slug = ma.fields.String(allow_none=True, metadata={
        "description": "made from the name the first time the page is switched on, then kept; null before"})
    url = ma.fields.String(allow_none=True, metadata={"description": "the page's full address (also on the sticker)"})


def _figure(description: str):
    return Count(allow_none=True, metadata={"description": f"{description}; null when suppressed"})


class PublicHeadline(ma.Schema):
    students_reached = _figure("students who used the sponsor's vouchers, rounded down to a multiple of 5")
    spend_cents = Int64(allow_none=True, metadata={"description": "spent with them, rounded down to 10 €"})
    visits = _figure("payments made with them")
    venues = _figure("venues where they were used")
    suppressed = ma.fields.Boolean(metadata={"description": SUPPRESSED})


class PublicMonth(ma.Schema):
    from_ = ma.fields.String(data_key="from", metadata={"description": "first day, YYYY-MM-DD"})
    to = ma.fields.String(metadata={"description": "last day, YYYY-MM-DD (small months are merged)"})
    label = ma.fields.String(metadata={"description": 'in Italian, e.g. "settembre 2026"'})
    students = _figure("students that month")
    spend_cents = Int64(allow_none=True)
    suppressed = ma.fields.Boolean(metadata={"description": SUPPRESSED})

    @ma.pre_dump
    def _from(self, row, **kwargs):
        return {**row, "from_": row.get("from")}


class PublicCategory(ma.Schema):
    slug = ma.fields.String(allow_none=True, metadata={"description": '"altro" for small categories merged'})
    label = ma.fields.String()
    students = _figure("students")
    spend_cents = Int64(allow_none=True)
    redemptions = _figure("payments")
    suppressed = ma.fields.Boolean(metadata={"description": SUPPRESSED})


class PublicMethod(ma.Schema):
    period = ma.fields.String()
    students_rounded_to = Count()
    cents_rounded_to = Count()


class PublicSponsor(ma.Schema):
    slug = ma.fields.String()
    sponsor_name = ma.fields.String()
    as_of = ma.fields.String(allow_none=True, metadata={
        "description": "last day of the last month released (YYYY-MM-DD); null: nothing released yet"})
    min_cell = Count(allow_none=True)
    method = ma.fields.Nested(PublicMethod, allow_none=True)
    headline = ma.fields.Nested(PublicHeadline)
    trend = ma.fields.List(ma.fields.Nested(PublicMonth))
    by_category = ma.fields.List(ma.fields.Nested(PublicCategory))
