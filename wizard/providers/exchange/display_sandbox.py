"""The sandbox EWS server's calendar items: what ``room_display`` and the test booking send.

FindItem over a CalendarView (a room's calendar, under impersonation), GetItem
(subject, organizer, body, sensitivity, UID, the rooms' answers on the
organizer's copy), CreateItem of a meeting sent to rooms (they answer like
Exchange's resource booking assistant, ``wizard/sandbox/room_calendars.py``),
DeleteItem with cancellations. Mixed into ``EwsHandler``; the rooms' calendars
are the sandbox world's (``calendars``).
"""

from __future__ import annotations

import base64
import secrets
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from wizard.sandbox.room_calendars import Meeting, RoomCalendars

M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
RESPONSE_TYPES = {"accepted": "Accept", "declined": "Decline", "tentative": "Tentative",
                  "": "NoResponseReceived"}


def _when(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class DisplayOps:
    """The calendar-item operations of the sandbox's EWS (a mixin of ``EwsHandler``)."""

    state: Any
    calendars: RoomCalendars | None = None

    def _mailbox(self, op: ET.Element, impersonated: str | None) -> str:
        folder_id = op.find(f".//{{{T}}}FolderId")
        if folder_id is not None:
            decoded = base64.b64decode(folder_id.get("Id", "")).decode(errors="replace")
            if decoded.startswith("calendar:"):
                return decoded.removeprefix("calendar:").lower()
        return (impersonated or op.findtext(f".//{{{T}}}EmailAddress")
                or self.state.service_account).lower()

    def op_FindItem(self, op: ET.Element, impersonated: str | None) -> str:
        from wizard.providers.exchange.sandbox import _envelope

        assert self.calendars is not None
        view = op.find(f"{{{M}}}CalendarView")
        start = _parse(view.get("StartDate")) if view is not None else None
        end = _parse(view.get("EndDate")) if view is not None else None
        mailbox = self._mailbox(op, impersonated)
        if self.calendars.known(mailbox):
            held = self.calendars.meetings(mailbox, start, end)
        else:  # the organizer's own calendar: what it booked
            held = [b.meeting for b in list(self.calendars.bookings.values())
                    if b.meeting.organizer_email.lower() == mailbox]
        limit = int(view.get("MaxEntriesReturned") or 0) if view is not None else 0
        shown = held[:limit] if limit else held
        items = "".join(f'<t:CalendarItem><t:ItemId Id="{m.id}" ChangeKey="ck"/>'
                        f"<t:Start>{_when(m.start)}</t:Start><t:End>{_when(m.end)}</t:End>"
                        "</t:CalendarItem>" for m in shown)
        last = "true" if len(shown) == len(held) else "false"
        return _envelope(
            '<m:FindItemResponse><m:ResponseMessages><m:FindItemResponseMessage '
            'ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
            f'<m:RootFolder TotalItemsInView="{len(shown)}" IncludesLastItemInRange="{last}">'
            f"<t:Items>{items}</t:Items></m:RootFolder></m:FindItemResponseMessage>"
            "</m:ResponseMessages></m:FindItemResponse>")

    def _item_xml(self, meeting: Meeting, organizer_copy: bool) -> str:
        assert self.calendars is not None
        resources = ""
        if organizer_copy:
            resources = "<t:Resources>" + "".join(
                f"<t:Attendee><t:Mailbox><t:EmailAddress>{escape(room)}</t:EmailAddress>"
                "<t:RoutingType>SMTP</t:RoutingType></t:Mailbox><t:ResponseType>"
                f"{RESPONSE_TYPES[self.calendars.answer(meeting.uid, room)]}</t:ResponseType>"
                "</t:Attendee>" for room in meeting.rooms) + "</t:Resources>"
        organizer = (  # a copy re-created without one names no organizer
            f"<t:Organizer><t:Mailbox><t:Name>{escape(meeting.organizer_name)}</t:Name>"
            f"<t:EmailAddress>{escape(meeting.organizer_email)}</t:EmailAddress>"
            "<t:RoutingType>SMTP</t:RoutingType></t:Mailbox></t:Organizer>"
        ) if meeting.organizer_email else ""
        return (f'<t:CalendarItem><t:ItemId Id="{meeting.id}" ChangeKey="ck"/>'
                f"<t:Subject>{escape(meeting.subject)}</t:Subject>"
                f"<t:Sensitivity>{'Private' if meeting.private else 'Normal'}</t:Sensitivity>"
                f'<t:Body BodyType="Text">{escape(meeting.body)}</t:Body>'
                f"<t:UID>{escape(meeting.uid)}</t:UID>"
                f"<t:Start>{_when(meeting.start)}</t:Start><t:End>{_when(meeting.end)}</t:End>"
                f"<t:IsOnlineMeeting>{'true' if meeting.online else 'false'}</t:IsOnlineMeeting>"
                f"{organizer}{resources}</t:CalendarItem>")

    def op_GetItem(self, op: ET.Element, _imp: str | None) -> str:
        from wizard.providers.exchange.sandbox import _envelope, _error_message

        assert self.calendars is not None
        messages = []
        for item_id in op.iter(f"{{{T}}}ItemId"):
            meeting = self.calendars.find(item_id.get("Id", ""))
            if meeting is None:
                messages.append(_error_message("GetItem", "ErrorItemNotFound",
                                               "The specified object was not found in the "
                                               "store."))
                continue
            organizer_copy = meeting.uid in self.calendars.bookings and \
                meeting.id == self.calendars.bookings[meeting.uid].meeting.id
            messages.append('<m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>'
                            f"NoError</m:ResponseCode><m:Items>"
                            f"{self._item_xml(meeting, organizer_copy)}</m:Items>"
                            "</m:GetItemResponseMessage>")
        return _envelope("<m:GetItemResponse><m:ResponseMessages>"
                         f"{''.join(messages)}</m:ResponseMessages></m:GetItemResponse>")

    def op_CreateItem(self, op: ET.Element, impersonated: str | None) -> str:
        from wizard.providers.exchange.sandbox import _envelope

        assert self.calendars is not None
        item = op.find(f".//{{{T}}}CalendarItem")
        if item is None:
            return _envelope(
                '<m:CreateItemResponse><m:ResponseMessages><m:CreateItemResponseMessage '
                'ResponseClass="Error"><m:MessageText>Only calendar items.</m:MessageText>'
                "<m:ResponseCode>ErrorInvalidRequest</m:ResponseCode></m:CreateItemResponseMessage>"
                "</m:ResponseMessages></m:CreateItemResponse>")
        organizer = (impersonated or self.state.service_account).lower()
        rooms = tuple(e.text.strip().lower() for e in item.iter(f"{{{T}}}EmailAddress")
                      if e.text)
        start = _parse(item.findtext(f"{{{T}}}Start")) or datetime.now(UTC)
        end = _parse(item.findtext(f"{{{T}}}End")) or start + timedelta(minutes=15)
        body = item.findtext(f"{{{T}}}Body") or ""
        meeting = Meeting("", f"uid-{secrets.token_hex(8)}", item.findtext(f"{{{T}}}Subject") or "",
                          organizer.split("@")[0], organizer, body, start, end,
                          item.findtext(f"{{{T}}}Sensitivity") == "Private", "://" in body, rooms)
        sent = op.get("SendMeetingInvitations", "SendToNone") != "SendToNone"
        meeting = self.calendars.book(meeting) if sent else meeting
        return _envelope(
            '<m:CreateItemResponse><m:ResponseMessages><m:CreateItemResponseMessage '
            'ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items>'
            f"<t:CalendarItem><t:ItemId Id={quoteattr(meeting.id)} ChangeKey=\"ck\"/>"
            "</t:CalendarItem></m:Items></m:CreateItemResponseMessage></m:ResponseMessages>"
            "</m:CreateItemResponse>")

    def op_DeleteItem(self, op: ET.Element, _imp: str | None) -> str:
        from wizard.providers.exchange.sandbox import _envelope

        assert self.calendars is not None
        messages = []
        for item_id in op.iter(f"{{{T}}}ItemId"):
            meeting = self.calendars.find(item_id.get("Id", ""))
            if meeting is not None:
                self.calendars.cancel(meeting.uid)
            messages.append('<m:DeleteItemResponseMessage ResponseClass="Success">'
                            "<m:ResponseCode>NoError</m:ResponseCode>"
                            "</m:DeleteItemResponseMessage>")
        return _envelope("<m:DeleteItemResponse><m:ResponseMessages>"
                         f"{''.join(messages)}</m:ResponseMessages></m:DeleteItemResponse>")
