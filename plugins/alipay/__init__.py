"""Alipay 支付宝: QR-code or PC-web payments, refunds and RSA2-signed notifications (see README.md)."""
from saas.plugins import hookimpl


@hookimpl
def orderly_register_payment_gateways():
    from plugins.alipay.provider import AlipayGateway
    return [AlipayGateway]
