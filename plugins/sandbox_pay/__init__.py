"""Sandbox payments: a gateway that needs no account, for trying Orderly and for tests.

The buyer is sent to a page Orderly itself hosts (``plugins.sandbox_pay.pages``), clicks "Pay" or one of
the failures, and the page sends a notification signed with the integration's secret to the integration's
hook, exactly as a real gateway would.
"""
from saas.plugins import hookimpl


@hookimpl
def orderly_register_payment_gateways():
    from plugins.sandbox_pay.provider import SandboxPay
    return [SandboxPay]
