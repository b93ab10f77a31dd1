"""The demo's citizens' recommendations: some in every agency, land and late dossiers
dominating at the former environment department's successor (the province's own
complaint), most answered, some late, some not at all, most answers published."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.local_time import today
from survey.recommendations import working_days
from survey.recommendations.models import Recommendation, RecommendationContact
from survey.recommendations.services import new_id

# theme -> (what people wrote, how the agency answered): illustrative texts.
TEXTS = {
    "LATE": (
        "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất của gia đình tôi đã quá hẹn hơn hai "
        "tuần mà chưa được thông báo lý do.",
        "Cơ quan xin lỗi vì hồ sơ chậm; hồ sơ đã được giải quyết và trả kết quả. Từ tháng "
        "này bộ phận một cửa gửi tin nhắn khi hồ sơ có nguy cơ trễ hạn.",
    ),
    "ATTITUDE": (
        "Công chức tiếp nhận hướng dẫn chưa rõ ràng, tôi phải đi lại nhiều lần.",
        "Cơ quan đã nhắc nhở công chức và bổ sung bảng hướng dẫn thành phần hồ sơ tại quầy.",
    ),
    "FEES": (
        "Đề nghị niêm yết rõ các khoản phí, lệ phí ngay tại quầy tiếp nhận.",
        "Bảng phí, lệ phí đã được niêm yết tại quầy và trên cổng dịch vụ công.",
    ),
    "PROCEDURE": (
        "Thủ tục yêu cầu nộp nhiều bản sao giấy tờ đã có trong cơ sở dữ liệu dân cư.",
        "Cơ quan đã bỏ yêu cầu bản sao đối với các giấy tờ khai thác được từ cơ sở dữ liệu "
        "quốc gia.",
    ),
    "ONLINE": (
        "Cổng dịch vụ công trực tuyến hay bị lỗi khi tải tệp đính kèm.",
        "Lỗi tải tệp đã được khắc phục; cơ quan cảm ơn ông/bà đã phản ánh.",
    ),
    "PREMISES": (
        "Khu vực chờ thiếu ghế ngồi, buổi sáng rất đông.",
        "Cơ quan đã bố trí thêm ghế và máy lấy số thứ tự.",
    ),
    "OTHER": (
        "Đề nghị có thêm chỗ để xe cho người dân đến làm thủ tục.",
        "Cơ quan đang làm việc với đơn vị quản lý để mở rộng bãi xe.",
    ),
}
THEMES = list(TEXTS)
# The successor of the former environment department: land and late dossiers dominate,
# and it is slow to answer.
HEAVY = "SNNMT"


def seed_recommendations(campaign: Campaign, rng: np.random.Generator) -> int:
    """Write the demo's recommendations for `campaign`; how many."""
    start = campaign.period_start
    last = max(start, today() - timedelta(days=1))
    span = (last - start).days + 1
    fields = {a.code: sorted({s.field for s in a.services}, key=lambda f: f.code) for a in
              campaign.agencies}  # fmt: skip
    made = 0
    for agency in campaign.agencies:
        heavy = agency.code == HEAVY
        count = int(rng.integers(25, 40)) if heavy else int(rng.integers(2, 9))
        weights = np.array([6, 1, 1, 2, 1, 1, 1] if heavy else [2, 2, 1, 2, 2, 1, 1], float)
        for _ in range(count):
            theme = THEMES[rng.choice(len(THEMES), p=weights / weights.sum())]
            received = start + timedelta(days=int(rng.integers(0, span)))
            due = working_days.add(received, campaign.reply_working_days)
            # The slow agency answers late or not at all more often.
            late_share, silent_share = (0.35, 0.25) if heavy else (0.1, 0.1)
            luck = rng.random()
            replied = None
            if luck >= silent_share:
                days = int(rng.integers(1, campaign.reply_working_days + 1))
                if luck < silent_share + late_share:
                    days += int(rng.integers(1, 15))
                replied = working_days.add(received, days)
                if replied >= today():
                    replied = None  # not yet: still within its time, or overdue
            own_fields = fields.get(agency.code) or []
            land = next((f for f in own_fields if f.code == "DD"), None)
            field = land if heavy and land and rng.random() < 0.7 else (
                own_fields[int(rng.integers(0, len(own_fields)))] if own_fields else None
            )  # fmt: skip
            text, reply = TEXTS[theme]
            recommendation = Recommendation(
                id=new_id(),
                campaign_id=campaign.id,
                agency_id=agency.id,
                service_field_id=field.id if field else None,
                source="web" if rng.random() < 0.8 else "paper",
                theme_chosen=theme if rng.random() < 0.6 else None,
                theme=theme if replied else None,
                text=text,
                received_on=received,
                due_on=due,
                reply=reply if replied else None,
                replied_on=replied,
                publication="published" if replied and rng.random() < 0.8 else "pending",
            )
            if replied is None and rng.random() < 0.2:
                # Fictitious numbers (0900 000 xxx): a few people asked for the reply.
                recommendation.contact = RecommendationContact(
                    phone=f"0900000{int(rng.integers(0, 1000)):03d}"
                )
            db.session.add(recommendation)
            made += 1
    db.session.flush()
    return made
