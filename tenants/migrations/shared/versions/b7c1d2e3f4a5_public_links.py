"""public links (pay / track tokens)

Revision ID: b7c1d2e3f4a5
Revises: 4f0656f1bcca
"""
from alembic import op
import sqlalchemy as sa
import saas.extensions


revision = 'b7c1d2e3f4a5'
down_revision = '4f0656f1bcca'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_links',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('target', sa.String(length=120), nullable=False),
    sa.Column('created_at', saas.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_public_links_token_hash')),
    schema='shared'
    )
    op.create_index('ix_public_links_tenant_target', 'public_links', ['tenant_id', 'kind', 'target'],
                    unique=False, schema='shared')


def downgrade():
    op.drop_index('ix_public_links_tenant_target', table_name='public_links', schema='shared')
    op.drop_table('public_links', schema='shared')
