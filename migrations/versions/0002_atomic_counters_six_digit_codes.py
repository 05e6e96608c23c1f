"""atomic counters, 6-digit codes bound to a session, SMS outbox, sandbox clock

The tables replaced here hold only short-lived rows (codes live 5 minutes,
binding passwords 10, attempts and notifications are counts and the sandbox's
outbox), so they are dropped and created again rather than converted.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.drop_index('ix_attempts_kind_key_created', table_name='attempts')
    op.drop_table('attempts')
    op.drop_index('ix_codes_purpose_subject', table_name='confirmation_codes')
    op.drop_table('confirmation_codes')
    op.drop_index('ix_binding_secrets_otp_hash', table_name='binding_secrets')
    op.drop_index('ix_binding_secrets_phone', table_name='binding_secrets')
    op.drop_table('binding_secrets')
    op.drop_index('ix_notifications_phone', table_name='notifications')
    op.drop_table('notifications')

    op.create_table('counters',
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('window_ends', TZ, nullable=False),
        sa.PrimaryKeyConstraint('kind', 'key'))
    op.create_index('ix_counters_window_ends', 'counters', ['window_ends'])
    op.create_table('confirmation_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('subject', sa.String(length=40), nullable=False),
        sa.Column('requester_hash', sa.String(length=64), nullable=False),
        sa.Column('phone', sa.String(length=12), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', TZ, nullable=False),
        sa.Column('expires_at', TZ, nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('used_at', TZ, nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_codes_lookup', 'confirmation_codes', ['purpose', 'subject', 'requester_hash', 'created_at'])
    op.create_table('binding_secrets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=12), nullable=False),
        sa.Column('otp_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', TZ, nullable=False),
        sa.Column('expires_at', TZ, nullable=False),
        sa.Column('ended_at', TZ, nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_binding_secrets_phone', 'binding_secrets', ['phone'])
    op.create_table('notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=3), nullable=False),
        sa.Column('phone', sa.String(length=12), nullable=True),
        sa.Column('device_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=True),
        sa.Column('created_at', TZ, nullable=False),
        sa.ForeignKeyConstraint(['device_id'], ['app_devices.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_notifications_phone', 'notifications', ['phone'])
    op.create_table('sandbox_settings',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name'))


def downgrade() -> None:
    op.drop_table('sandbox_settings')
    op.drop_index('ix_notifications_phone', table_name='notifications')
    op.drop_table('notifications')
    op.drop_index('ix_binding_secrets_phone', table_name='binding_secrets')
    op.drop_table('binding_secrets')
    op.drop_index('ix_codes_lookup', table_name='confirmation_codes')
    op.drop_table('confirmation_codes')
    op.drop_index('ix_counters_window_ends', table_name='counters')
    op.drop_table('counters')
    op.create_table('notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=12), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('created_at', TZ, nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_notifications_phone', 'notifications', ['phone'])
    op.create_table('binding_secrets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=12), nullable=False),
        sa.Column('otp_hash', sa.String(length=64), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', TZ, nullable=False),
        sa.Column('expires_at', TZ, nullable=False),
        sa.Column('used_at', TZ, nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'))
    op.create_index('ix_binding_secrets_phone', 'binding_secrets', ['phone'])
    op.create_index('ix_binding_secrets_otp_hash', 'binding_secrets', ['otp_hash'])
    op.create_table('confirmation_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('subject', sa.String(length=40), nullable=False),
        sa.Column('phone', sa.String(length=12), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', TZ, nullable=False),
        sa.Column('expires_at', TZ, nullable=False),
        sa.Column('wrong_tries', sa.Integer(), nullable=False),
        sa.Column('used_at', TZ, nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_codes_purpose_subject', 'confirmation_codes', ['purpose', 'subject', 'created_at'])
    op.create_table('attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('created_at', TZ, nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_attempts_kind_key_created', 'attempts', ['kind', 'key', 'created_at'])
