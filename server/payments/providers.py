"""How a sponsor pays. SEPA bank transfer today; a card processor is one more class.

A provider turns a pending top-up into payment instructions for the sponsor's phone.
Confirmation comes later, from outside: an operator who sees the transfer on the
bank statement (SEPA), or a processor's webhook (cards).
"""
from typing import Protocol

from flask import current_app

from server.payments import epc
from server.payments.models import TopUp


class PaymentProvider(Protocol):
    name: str

    def instructions(self, topup: TopUp) -> dict:
        """What the sponsor needs to pay, as JSON-ready values."""


class SepaTransfer:
    name = "sepa_transfer"

    def _fields(self, topup: TopUp) -> dict:
        config = current_app.config
        return {"beneficiary_name": config["PLATFORM_BENEFICIARY"], "iban": config["PLATFORM_IBAN"],
                "bic": config["PLATFORM_BIC"], "amount_cents": topup.amount_cents, "reference": topup.reference}

    def instructions(self, topup: TopUp) -> dict:
        fields = self._fields(topup)
        return {**fields, "amount": epc.format_amount(topup.amount_cents), "epc_payload": epc.payload(**fields)}

    def qr_png(self, topup: TopUp) -> bytes:
        return epc.png(**self._fields(topup))

    def qr_svg(self, topup: TopUp) -> str:
        return epc.svg(**self._fields(topup))


PROVIDERS: dict[str, PaymentProvider] = {SepaTransfer.name: SepaTransfer()}
