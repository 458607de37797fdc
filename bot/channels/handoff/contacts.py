"""The programmes' contact desks (``contacts`` in knowledge/programmes/*.yaml), for the user to
call or write to when no staff member can take the conversation over. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from bot.knowledge.models import Programme


class ContactOut(BaseModel):
    label: str = Field(description="「お問い合わせ（電話）」など / what the desk is for")
    organisation: str
    phone: str | None = None
    hours: str | None = Field(default=None, description="受付時間 / opening hours")
    email: str | None = None
    url: str | None = None


class ProgrammeContactsOut(BaseModel):
    programme_id: str
    name: str
    url: str
    contacts: list[ContactOut]


class ContactsResponse(BaseModel):
    scope: str = Field(description="'session': the conversation's programmes; 'all': every programme")
    programmes: list[ProgrammeContactsOut]


def programme_contacts(programme: Programme) -> ProgrammeContactsOut:
    return ProgrammeContactsOut(
        programme_id=programme.id,
        name=programme.name.value,
        url=programme.url.value,
        contacts=[
            ContactOut(
                label=c.label,
                organisation=c.organisation,
                phone=c.phone,
                hours=c.hours,
                email=c.email,
                url=c.url,
            )
            for c in programme.contacts
        ],
    )


def contacts_for(programme_ids: Sequence[str], programmes: Mapping[str, Programme]) -> ContactsResponse:
    """The contacts of ``programme_ids`` (those that have any), else of every programme (by id)."""
    chosen = [programmes[pid] for pid in dict.fromkeys(programme_ids) if pid in programmes]
    chosen = [p for p in chosen if p.contacts]
    scope = "session"
    if not chosen:
        scope = "all"
        chosen = [p for p in sorted(programmes.values(), key=lambda p: p.id) if p.contacts]
    return ContactsResponse(scope=scope, programmes=[programme_contacts(p) for p in chosen])
