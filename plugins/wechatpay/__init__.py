"""WeChat Pay 微信支付 API v3: Native QR payments, refunds and encrypted, signed notifications (see README.md)."""
from saas.plugins import hookimpl


@hookimpl
def orderly_register_payment_gateways():
    from plugins.wechatpay.provider import WechatPayGateway
    return [WechatPayGateway]
