"""Payment rules: starting an attempt, COD collection, the buyer's payment link, and how payments show.

Applying gateway results lives in ``applying`` (one code path for notifications and polling), refunds in
``refunds``; both are re-exported here so other domains import every payment rule from this module.
"""
from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import event, select

from saas.errors import Conflict, DomainError, NotFound, ValidationFailed
from saas.integrations.models import Integration
from saas.integrations.service import provider_for
from saas.orders.capture import ORDER_INSERTED
from saas.orders.models import Order
from saas.orders.service import apply_transition, get_order, get_order_for_update
from saas.payments.applying import apply_payment_result, payment_as_dict, payment_request  # noqa: F401
from saas.payments.models import Payment
from saas.payments.refunds import apply_refund_result, refund, refund_order_in_full  # noqa: F401
from saas.providers import PaymentRequest, ProviderError
from saas.public_links import create_link_on, link_token
from tenants.context import require_tenant

PAYABLE_STATUSES = frozenset({"unpaid", "failed", "pending"})


class GatewayError(DomainError):
    """The payment gateway refused or failed the call; the attempt is recorded as failed with its reason."""
    status, code, title = 502, "gateway-error", "Payment gateway error"


def new_reference(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(10).upper()}"


# --- choosing a gateway -------------------------------------------------------------------------------

def payment_integrations(session) -> list[Integration]:
    """The shop's enabled payment gateways, oldest first, COD left out (it is never paid online)."""
    stmt = select(Integration).where(Integration.kind == "payment_gateway", Integration.enabled,
                                     Integration.plugin != "cod").order_by(Integration.id)
    return list(session.scalars(stmt))


def choose_integration(session, integration_id: int | None, gateway: str | None) -> Integration:
    """The integration named by id, or the shop's single enabled installation of ``gateway``."""
    if integration_id is not None:
        integration = session.get(Integration, integration_id)
        if integration is None or integration.kind != "payment_gateway" or not integration.enabled:
            raise ValidationFailed("No such payment gateway.", errors={"integration": ["Not an enabled gateway."]})
        return integration
    if not gateway:
        raise ValidationFailed("Choose a gateway.", errors={"integration": ["Give integration or gateway."]})
    found = [i for i in payment_integrations(session) if i.plugin == gateway]
    if len(found) != 1:
        problem = "is not installed" if not found else "is installed more than once; give integration"
        raise ValidationFailed(f"Gateway {gateway} {problem}.", errors={"gateway": [f"{gateway} {problem}."]})
    return found[0]


# --- starting a payment -------------------------------------------------------------------------------

def _check_payable(order: Order) -> None:
    if order.payment_method != "online":
        raise Conflict(f"Order {order.number} is cash on delivery: it is paid to the courier.")
    if order.status != "pending_payment" or order.payment_status not in PAYABLE_STATUSES:
        raise Conflict(f"Order {order.number} cannot be paid now ({order.status}, {order.payment_status}).",
                       status_now=order.status, payment_status=order.payment_status)


def start_payment(session, order_number: str, integration_id: int | None = None, gateway: str | None = None,
                  return_url: str | None = None, *, actor: str) -> Payment:
    """Open a payment attempt for an order pending payment and ask the gateway for the buyer's next step.

    The attempt is committed before the gateway is called (so a crash leaves a trace, and no order lock is
    held during a remote call); the order is then locked and re-checked before it moves to ``pending``.
    A gateway error leaves the attempt ``failed`` with its reason and raises GatewayError (502).
    """
    order = get_order(session, order_number)
    _check_payable(order)
    integration = choose_integration(session, integration_id, gateway)
    payment = Payment(reference=new_reference("PAY"), order_number=order.number, integration_id=integration.id,
                      gateway=integration.plugin, amount=order.total_amount, currency=order.currency,
                      status="pending")
    session.add(payment)
    session.commit()
    try:
        action = provider_for(integration).create_payment(PaymentRequest(
            reference=payment.reference, order_number=order.number, amount=payment.money,
            description=f"{require_tenant().name} {order.number}", return_url=return_url))
    except ProviderError as exc:
        _fail_attempt(session, payment, exc.code or "gateway_error", str(exc))
        raise GatewayError(f"{integration.name} refused the payment: {exc}", failure_code=exc.code,
                           payment=payment.reference)
    return _record_action(session, payment, action, actor)


def _fail_attempt(session, payment: Payment, code: str, message: str) -> None:
    payment = session.get(Payment, payment.id, with_for_update=True, populate_existing=True)
    payment.status, payment.failure_code, payment.failure_message = "failed", code[:80], message
    session.commit()


def _record_action(session, payment: Payment, action, actor: str) -> Payment:
    try:
        order = get_order_for_update(session, payment.order_number)
        payment = session.get(Payment, payment.id, populate_existing=True)
        payment.action_type, payment.action_value = action.type, action.value
        payment.gateway_reference = action.gateway_reference or payment.gateway_reference
        if order.status != "pending_payment":  # expired or cancelled while the gateway answered
            payment.status = "cancelled"
            session.commit()
            raise Conflict(f"Order {order.number} was {order.status} meanwhile.")
        if order.payment_status in ("unpaid", "failed"):
            apply_transition(session, order, "payment_status", "start", actor, f"payment {payment.reference}")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return payment


# --- cash on delivery ---------------------------------------------------------------------------------

def mark_cod_collected(session, order_number: str, actor: str) -> Payment:
    """The courier collected a COD order's cash (merchant confirmation, or a courier's delivered event).

    Records a succeeded payment with no gateway, so refunds of COD orders are manual. Commits.
    """
    try:
        order = get_order_for_update(session, order_number)
        if order.payment_method != "cod":
            raise Conflict(f"Order {order_number} is not cash on delivery.")
        apply_transition(session, order, "payment_status", "collect", actor, "cash collected")
        payment = Payment(reference=new_reference("PAY"), order_number=order.number, integration_id=None,
                          gateway="cod", amount=order.total_amount, currency=order.currency,
                          status="succeeded", action_type="none", captured_amount=order.total_amount)
        session.add(payment)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return payment


# --- how payments show ----------------------------------------------------------------------------------

def payments_for_order(session, order_number: str) -> list[Payment]:
    return list(session.scalars(select(Payment).where(Payment.order_number == order_number)
                                .order_by(Payment.id)))


def payments_section(session, order: Order) -> list[dict]:
    """The ``payments`` section of ``GET /api/v1/orders/{number}``."""
    return [payment_as_dict(p) for p in payments_for_order(session, order.number)]


def _create_pay_link(connection, order_values: dict) -> None:
    """Every online order gets its buyer link in the transaction that creates it, so reading the link later
    (API, console) never has to write. Order capture calls this for the rows it inserts (``ORDER_INSERTED``)."""
    if order_values["payment_method"] == "online":
        create_link_on(connection, require_tenant().id, "pay", order_values["number"])


if _create_pay_link not in ORDER_INSERTED:
    ORDER_INSERTED.append(_create_pay_link)


@event.listens_for(Order, "after_insert")
def _create_pay_link_on_flush(mapper, connection, order: Order) -> None:
    """The same link for an order inserted through the ORM rather than by capture."""
    _create_pay_link(connection, {"payment_method": order.payment_method, "number": order.number})


def payment_link_for(session, order_number: str) -> str | None:
    """The buyer's ``/pay/{token}`` URL for an online order (None for COD). Reading never writes: the link
    row was made with the order (``_create_pay_link``) and the token is derived, not stored."""
    return _pay_url(get_order(session, order_number))


def _pay_url(order: Order) -> str | None:
    if order.payment_method != "online":
        return None
    token = link_token(require_tenant().id, "pay", order.number)
    return f"{current_app.config['ORDERLY_BASE_URL'].rstrip('/')}/pay/{token}"


def payment_url_section(session, order: Order):
    """The ``payment_url`` of ``GET /api/v1/orders/{number}`` (a string, or None for COD)."""
    return _pay_url(order)


def require_payment(session, reference: str) -> Payment:
    payment = session.scalar(select(Payment).where(Payment.reference == reference))
    if payment is None:
        raise NotFound(f"No payment {reference}.")
    return payment
