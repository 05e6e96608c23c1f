"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 07:53:43.330984
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_key_hash', sa.String(length=64), nullable=True),
    sa.Column('phone', sa.String(length=12), nullable=True),
    sa.Column('bound_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('device_key_hash')
    )
    with op.batch_alter_table('app_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_devices_phone'), ['phone'], unique=False)

    op.create_table('attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index('ix_attempts_kind_key_created', ['kind', 'key', 'created_at'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=True),
    sa.Column('client', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_kind'), ['kind'], unique=False)

    op.create_table('binding_secrets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=12), nullable=False),
    sa.Column('otp_hash', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('binding_secrets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_binding_secrets_otp_hash'), ['otp_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_binding_secrets_phone'), ['phone'], unique=False)

    op.create_table('cabinets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('iin', sa.String(length=12), nullable=False),
    sa.Column('phone', sa.String(length=12), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('session_epoch', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('iin')
    )
    op.create_table('citizens',
    sa.Column('iin', sa.String(length=12), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('iin')
    )
    op.create_table('confirmation_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=12), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('wrong_tries', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('confirmation_codes', schema=None) as batch_op:
        batch_op.create_index('ix_codes_purpose_subject', ['purpose', 'subject', 'created_at'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_phone'), ['phone'], unique=False)

    op.create_table('web_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id_hash')
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_expires_at'), ['expires_at'], unique=False)

    op.create_table('cabinet_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cabinet_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cabinet_id'], ['cabinets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cabinet_events', schema=None) as batch_op:
        batch_op.create_index('ix_cabinet_events_cabinet_created', ['cabinet_id', 'created_at'], unique=False)

    op.create_table('children',
    sa.Column('iin', sa.String(length=12), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('birth_certificate', sa.String(length=40), nullable=False),
    sa.Column('parent1_iin', sa.String(length=12), nullable=False),
    sa.Column('parent2_iin', sa.String(length=12), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('cabinet_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cabinet_id'], ['cabinets.id'], ),
    sa.PrimaryKeyConstraint('iin')
    )
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_children_cabinet_id'), ['cabinet_id'], unique=False)

    op.create_table('citizen_phones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_iin', sa.String(length=12), nullable=False),
    sa.Column('phone', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['citizen_iin'], ['citizens.iin'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('phone')
    )


def downgrade() -> None:
    op.drop_table('citizen_phones')
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_children_cabinet_id'))

    op.drop_table('children')
    with op.batch_alter_table('cabinet_events', schema=None) as batch_op:
        batch_op.drop_index('ix_cabinet_events_cabinet_created')

    op.drop_table('cabinet_events')
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_expires_at'))

    op.drop_table('web_sessions')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_phone'))

    op.drop_table('notifications')
    with op.batch_alter_table('confirmation_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_codes_purpose_subject')

    op.drop_table('confirmation_codes')
    op.drop_table('citizens')
    op.drop_table('cabinets')
    with op.batch_alter_table('binding_secrets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_binding_secrets_phone'))
        batch_op.drop_index(batch_op.f('ix_binding_secrets_otp_hash'))

    op.drop_table('binding_secrets')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_kind'))

    op.drop_table('audit_events')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_attempts_kind_key_created')

    op.drop_table('attempts')
    with op.batch_alter_table('app_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_devices_phone'))

    op.drop_table('app_devices')
