"""The buyer's /pay/{token} page through the test client: public, shows the order, starts a payment at the
sandbox, reports failures with their reason, and lets the buyer cancel (stock released)."""
from __future__ import annotations

from orders.support import available
from payments.support import get_order_json, install_sandbox, new_order
from saas.extensions import db
from saas.orders.service import get_order
from saas.payments.service import payment_link_for


def _pay_path(app, in_tenant, shop, number) -> str:
    with in_tenant(shop):
        url = payment_link_for(db.session, number)
        db.session.commit()
    return url.replace(app.config["ORDERLY_BASE_URL"], "")


def test_order_detail_carries_a_working_payment_url(app, client, shop, in_tenant):
    from saas.orders.service import order_as_dict
    number = new_order(client, shop)
    with in_tenant(shop):
        url = order_as_dict(get_order(db.session, number))["payment_url"]
        db.session.rollback()  # reading must not be what stores the link: order creation did
    assert client.get(url.replace(app.config["ORDERLY_BASE_URL"], "")).status_code == 200


def test_cod_orders_have_no_payment_url(client, shop, in_tenant):
    from saas.orders.service import order_as_dict
    number = new_order(client, shop, payment_method="cod")
    with in_tenant(shop):
        assert order_as_dict(get_order(db.session, number))["payment_url"] is None


def test_unknown_token_is_404(client):
    assert client.get("/pay/not-a-token").status_code == 404


def test_buyer_pays_after_one_failure(app, client, shop, in_tenant):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    path = _pay_path(app, in_tenant, shop, number)
    page = client.get(path)
    assert page.status_code == 200 and number in page.get_data(as_text=True)
    started = client.post(f"{path}/start", data={"integration": integration})
    assert started.status_code == 302 and "/sandbox-pay/PAY" in started.location
    sandbox = started.location.replace(app.config["ORDERLY_BASE_URL"], "")
    assert client.get(sandbox).status_code == 200
    back = client.post(sandbox, data={"outcome": "insufficient_funds"})
    assert back.status_code == 302 and back.location.endswith(path)
    state = client.get(f"{path}/status").get_json()
    assert (state["paid"], state["attempt"]["failure_code"]) == (False, "insufficient_funds")
    assert "not enough money on the card" in client.get(path).get_data(as_text=True)
    zh_page = client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "卡内或账户余额不足" in zh_page  # the buyer reads the reason in the page's language
    again = client.post(f"{path}/start", data={"integration": integration})
    client.post(again.location.replace(app.config["ORDERLY_BASE_URL"], ""), data={"outcome": "pay"})
    assert client.get(f"{path}/status").get_json()["paid"] is True
    assert get_order_json(client, shop, number)["payment_status"] == "paid"


def test_sandbox_page_refuses_an_edited_amount(app, client, shop):
    integration = install_sandbox(client, shop)
    number = new_order(client, shop)
    action = client.post(f"/api/v1/orders/{number}/payments", headers=shop.headers,
                         json={"integration": integration}).get_json()["action"]["value"]
    edited = action.replace(app.config["ORDERLY_BASE_URL"], "").replace("amount=1000", "amount=1")
    assert client.post(edited, data={"outcome": "pay"}).status_code == 404
    assert get_order_json(client, shop, number)["payment_status"] == "pending"


def test_buyer_cancels_and_stock_is_released(app, client, shop, in_tenant):
    install_sandbox(client, shop)
    number = new_order(client, shop, quantity=4)
    path = _pay_path(app, in_tenant, shop, number)
    assert client.post(f"{path}/cancel").status_code == 302
    assert get_order_json(client, shop, number)["status"] == "cancelled"
    assert available(client, shop, "A") == 10


def test_a_qr_code_attempt_is_drawn_as_a_scannable_code(app, client, shop, in_tenant):
    """Alipay precreate and WeChat Pay Native answer with a code URL: the buyer must see a QR code to scan
    from another device, and on the phone itself a link that opens the payment app."""
    import segno
    from saas.payments.models import Payment
    number = new_order(client, shop)
    code_url = "weixin://wxpay/bizpayurl?pr=Xy12Ab3"
    with in_tenant(shop):
        db.session.add(Payment(reference="PAYQRTEST1", order_number=number, integration_id=None, gateway="wechatpay",
                               amount=1999, currency="CNY", status="pending", action_type="qr_code",
                               action_value=code_url))
        db.session.commit()
    page = client.get(_pay_path(app, in_tenant, shop, number)).get_data(as_text=True)
    expected_svg = segno.make(code_url, error="m").svg_inline(scale=5, border=2, dark="#111", omitsize=False)
    assert expected_svg in page  # the QR encodes exactly the gateway's code URL
    assert f'href="{code_url}"' in page


def test_a_code_url_with_another_scheme_is_not_made_a_link(app, client, shop, in_tenant):
    from saas.payments.models import Payment
    number = new_order(client, shop)
    with in_tenant(shop):
        db.session.add(Payment(reference="PAYQRTEST2", order_number=number, integration_id=None, gateway="x",
                               amount=1999, currency="CNY", status="pending", action_type="qr_code",
                               action_value="javascript:alert(1)"))
        db.session.commit()
    page = client.get(_pay_path(app, in_tenant, shop, number)).get_data(as_text=True)
    assert 'href="javascript:' not in page and "<svg" in page
