from server.errors import Conflict, Forbidden, NotFound


class CampaignNotFound(NotFound):
    code = "campaign_not_found"


class NotACampaignSponsor(Forbidden):
    code = "not_a_campaign_sponsor"


class CampaignNotActive(Conflict):
    code = "campaign_not_active"
