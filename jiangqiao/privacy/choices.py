"""Choices of the privacy app: lower-case English values, Chinese labels."""

from __future__ import annotations

import datetime as dt

from django.db import models


class RequestKind(models.TextChoices):
    """The rights a person exercises here (PIPL art. 45 access and copy, 46 correction,
    47 deletion). Withdrawing a consent (art. 15) needs no request: it is one click on
    “我的个人信息” and takes effect at once."""

    ACCESS = "access", "查阅复制"
    CORRECT = "correct", "更正"
    DELETE = "delete", "删除"


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", "已提交"
    PROCESSING = "processing", "处理中"
    DONE = "done", "已完成"
    REJECTED = "rejected", "已拒绝"


REQUEST_STATUS_COLORS: dict[str, str] = {
    RequestStatus.SUBMITTED: "blue",
    RequestStatus.PROCESSING: "orange",
    RequestStatus.DONE: "green",
    RequestStatus.REJECTED: "secondary",
}

#: Requests still waiting for an answer (they count towards the deadline).
OPEN_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.PROCESSING)

#: The state table: from → the statuses a step may lead to (``services`` is the only writer).
STEPS: dict[str, tuple[str, ...]] = {
    RequestStatus.SUBMITTED: (RequestStatus.PROCESSING, RequestStatus.DONE, RequestStatus.REJECTED),
    RequestStatus.PROCESSING: (RequestStatus.DONE, RequestStatus.REJECTED),
    RequestStatus.DONE: (),
    RequestStatus.REJECTED: (),
}


class SubjectKind(models.TextChoices):
    CRAFTSMAN = "craftsman", "劳模工匠"
    CONTACT = "contact", "企业联络人"


#: Days to answer a request. PIPL art. 50 asks for a timely answer without a number; GB/T
#: 35273-2020 §8.7 c) sets at most 30 days; the 《App违法违规收集使用个人信息行为认定方法》
#: (2019) treats more than 15 working days for correction or deletion as a violation. We take
#: 15 calendar days — never longer than 15 working days.
ANSWER_DAYS = 15
ANSWER_PERIOD = dt.timedelta(days=ANSWER_DAYS)

#: Days an access copy stays downloadable after it was made (then the purge job deletes it).
EXPORT_KEEP_DAYS = 30
