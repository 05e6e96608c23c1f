"""v3 (expand only): the outbox, links in code messages, the app's device tokens, the
cabinet's security epoch, sandbox namespaces

Expand-then-contract: this migration only adds (tables, nullable columns, columns
with a server default, indexes), so app servers still on the previous release keep
working against the new schema during a rolling deploy (tests/ops/
test_migrations.py runs the previous release against it). What v3 no longer uses
(the notifications table, app_devices.device_key_hash) is dropped by the next
release's contract migration, once no server runs the previous code. See CHANGELOG.md.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables first: nothing of the previous release reads them.
    op.create_table('sandbox_namespaces',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pending_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seed', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sandbox_namespaces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sandbox_namespaces_last_seen_at'), ['last_seen_at'], unique=False)

    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=4), nullable=False),
    sa.Column('phone', sa.String(length=12), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=True),
    sa.Column('sealed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deliver_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('gateway_ref', sa.String(length=200), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['app_devices.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_device_id'), ['device_id'], unique=False)
        batch_op.create_index('ix_outbox_phone', ['phone', 'channel', 'id'], unique=False)

    op.create_table('code_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('cabinet_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=12), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('epoch', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cabinet_id'], ['cabinets.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('code_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_code_links_cabinet_id'), ['cabinet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_code_links_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('app_devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('install_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('push_token', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('bound_phone', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ended_reason', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_app_devices_install_id'), ['install_id'], unique=False)
        batch_op.create_unique_constraint('uq_app_devices_token_hash', ['token_hash'])

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('cabinets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('security_epoch', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('confirmation_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=4), server_default='app', nullable=False))
        batch_op.add_column(sa.Column('message_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('epoch', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('send_bucket', sa.String(length=200), nullable=True))
        batch_op.create_foreign_key('fk_confirmation_codes_message_id', 'outbox_messages', ['message_id'], ['id'],
                                    ondelete='SET NULL')



def downgrade() -> None:
    # Back to 0002 (after every server runs the previous release again): drops what v3 added.
    with op.batch_alter_table('confirmation_codes', schema=None) as batch_op:
        batch_op.drop_constraint('fk_confirmation_codes_message_id', type_='foreignkey')
        batch_op.drop_column('send_bucket')
        batch_op.drop_column('epoch')
        batch_op.drop_column('message_id')
        batch_op.drop_column('channel')

    with op.batch_alter_table('cabinets', schema=None) as batch_op:
        batch_op.drop_column('security_epoch')

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_created_at'))

    with op.batch_alter_table('app_devices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_app_devices_token_hash', type_='unique')
        batch_op.drop_index(batch_op.f('ix_app_devices_install_id'))
        batch_op.drop_column('ended_reason')
        batch_op.drop_column('ended_at')
        batch_op.drop_column('last_seen_at')
        batch_op.drop_column('bound_phone')
        batch_op.drop_column('push_token')
        batch_op.drop_column('token_hash')
        batch_op.drop_column('name')
        batch_op.drop_column('install_id')

    with op.batch_alter_table('code_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_code_links_expires_at'))
        batch_op.drop_index(batch_op.f('ix_code_links_cabinet_id'))

    op.drop_table('code_links')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_phone')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_device_id'))
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox_messages')
    with op.batch_alter_table('sandbox_namespaces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sandbox_namespaces_last_seen_at'))

    op.drop_table('sandbox_namespaces')
