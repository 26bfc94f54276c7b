"""Stripe: card and wallet payments through PaymentIntents, refunds, signed webhooks (see README.md)."""
from saas.plugins import hookimpl


@hookimpl
def orderly_register_payment_gateways():
    from plugins.stripe.provider import StripeGateway
    return [StripeGateway]
