"""Cash on delivery: the courier collects the money. See README.md."""
from saas.plugins import hookimpl


@hookimpl
def orderly_register_payment_gateways():
    from plugins.cod.provider import CashOnDelivery
    return [CashOnDelivery]
