"""Products and their variants (API.md 'Catalogue and inventory')."""
from flask.views import MethodView
from flask_smorest import Blueprint

from saas.api.auth import require_scope
from saas.catalog import service
from saas.catalog.schemas import ProductIn, ProductListArgs, ProductOut, ProductPage, ProductPatch
from saas.extensions import db

blp = Blueprint("catalog_api", __name__, description="Products and SKUs")


@blp.route("/products")
class Products(MethodView):
    @require_scope("inventory:read", "inventory:write")
    @blp.arguments(ProductListArgs, location="query")
    @blp.response(200, ProductPage)
    def get(self, args):
        """Products newest first; ``q`` searches product name, SKU, variant name and barcode."""
        rows, cursor = service.list_products(db.session, args["q"], args["limit"], args["cursor"])
        return {"items": rows, "next_cursor": cursor}

    @require_scope("inventory:write")
    @blp.arguments(ProductIn)
    @blp.response(201, ProductOut)
    def post(self, data):
        """Create a product with its variants; a ``sku`` already in the shop is a 409."""
        product = service.create_product(db.session, data["name"], data["variants"], data["active"])
        db.session.commit()
        return product


@blp.route("/products/<int:product_id>")
class ProductItem(MethodView):
    @require_scope("inventory:read", "inventory:write")
    @blp.response(200, ProductOut)
    def get(self, product_id):
        return service.get_product(db.session, product_id)

    @require_scope("inventory:write")
    @blp.arguments(ProductPatch)
    @blp.response(200, ProductOut)
    def patch(self, data, product_id):
        """Change name/active; variants are matched by ``sku`` (known ones updated, new ones added)."""
        product = service.update_product(db.session, product_id, data)
        db.session.commit()
        return product
